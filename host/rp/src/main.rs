//! `mynakey-rp`: the relying party's command line. Thin: parses the command line (declared in
//! [`mynakey_rp::cli`]) and hands over to the library.

use std::io;
use std::process::ExitCode;

use clap::Parser;
use mynakey_rp::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help, version and usage errors: clap knows the stream and the exit code (0 or 2).
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let (stdin, stdout, stderr) = (&mut io::stdin(), &mut io::stdout(), &mut io::stderr());
    ExitCode::from(match cli.command {
        Command::Verify(args) => mynakey_rp::verify_cli::run(&args, stdin, stdout, stderr),
        Command::Document { step } => mynakey_rp::document_cli::run(&step, stdin, stdout, stderr),
    })
}
