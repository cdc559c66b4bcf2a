//! Writes `extension/src/generated/protocol.ts` from the protocol crate (see its `typescript`
//! module). Run from anywhere: `cargo run -p mynakey-protocol --example generate-ts`.

use std::path::Path;
use std::process::ExitCode;

use mynakey_protocol::typescript::{generate, GENERATED_PATH};

fn main() -> ExitCode {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(GENERATED_PATH);
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&path, generate()));
    match written {
        Ok(()) => {
            println!("wrote {GENERATED_PATH}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot write {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}
