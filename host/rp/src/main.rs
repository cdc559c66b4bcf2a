//! `mynakey-rp`: the relying party's command line. Thin: parses the command line (declared in
//! [`mynakey_rp::cli`]) and hands over to the library.

use std::io;
use std::process::ExitCode;

use clap::Parser;
use mynakey_rp::cli::{Cli, Command};

fn main() -> ExitCode {
    // Help, version and usage errors: clap prints them and exits (0 or 2).
    let cli = Cli::parse();
    let (stdin, stdout, stderr) = (&mut io::stdin(), &mut io::stdout(), &mut io::stderr());
    ExitCode::from(match cli.command {
        Command::Verify(args) => mynakey_rp::verify_cli::run(&args, stdin, stdout, stderr),
        Command::Document { step } => mynakey_rp::document_cli::run(&step, stdin, stdout, stderr),
    })
}
