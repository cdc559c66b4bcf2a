//! How a wire type is written in TypeScript: each argument and result type of a command
//! declares its interface beside its struct ([`Declared`]); `typescript` writes the interfaces
//! of every declared command, and its tests check each field list against what serde reads and
//! writes.

/// One field of a wire object: its key, its TypeScript type, and whether it may be absent.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub key: &'static str,
    pub ty: &'static str,
    pub optional: bool,
}

pub(crate) const fn field(key: &'static str, ty: &'static str) -> Field {
    Field {
        key,
        ty,
        optional: false,
    }
}

pub(crate) const fn optional(key: &'static str, ty: &'static str) -> Field {
    Field {
        key,
        ty,
        optional: true,
    }
}

/// An interface of the contract: its TypeScript name, what it is, its fields, and whether
/// other keys may appear (error details a later host adds).
#[derive(Clone, Copy, Debug)]
pub struct Interface {
    pub name: &'static str,
    pub doc: &'static str,
    pub fields: &'static [Field],
    pub open: bool,
}

impl Interface {
    /// A closed interface (no keys but its fields).
    pub(crate) const fn new(
        name: &'static str,
        doc: &'static str,
        fields: &'static [Field],
    ) -> Interface {
        Interface {
            name,
            doc,
            fields,
            open: false,
        }
    }
}

/// A type of the wire with its TypeScript.
pub trait Declared {
    /// The interfaces its fields name, then its own; none for a command without arguments.
    const INTERFACES: &'static [Interface];
}
