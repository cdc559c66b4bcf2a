//! Card-time model: placeholder, filled in below.
use crate::trace::Trace;
pub fn report(_traces: &[(String, Trace)]) -> String {
    String::new()
}
