//! Prints a login proof by the test PKI's card1 over `ORIGIN` and `CHALLENGE` (arguments):
//! what the browser would post, for running the integrator examples without a card.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;

use mynakey_test_support::pki;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [origin, challenge] = args.as_slice() else {
        panic!("usage: test_token ORIGIN CHALLENGE");
    };
    writeln!(
        std::io::stdout(),
        "{}",
        pki::token("card1-auth", origin, challenge)
    )
    .expect("write the token to stdout");
}
