//! `mynakey-host`: the native messaging host and its commands. Thin: parses the command line
//! (declared in [`mynakey::cli`]) and hands over to the library.

// In host mode stdout carries native-messaging frames and nothing else; the CLI commands write
// to a stream they are given, so a closed stdout is an error and not a panic.
#![deny(clippy::print_stdout)]

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use mynakey::cli::{Cli, Command, LabArgs};
use mynakey::config::Config;
use mynakey_card::transport::Readers;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and usage errors: clap knows the stream and the exit code (0 or 2).
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    if cli.version {
        return match mynakey::cli::write_version(&mut io::stdout()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("mynakey-host: cannot write the version: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let (config, problems) = match Config::load() {
        Ok(loaded) => (loaded.config, loaded.warnings),
        Err(e) => (Config::default(), vec![format!("{e}; using defaults")]),
    };
    mynakey::logging::init(&config);
    for problem in problems {
        // stderr reaches a terminal or the browser's log; the log file keeps it too.
        eprintln!("mynakey-host: {problem}");
        log::warn!("{problem}");
    }
    match cli.command {
        Some(command) => ExitCode::from(run_command(command, config)),
        None => serve(&cli.lab, config),
    }
}

fn run_command(command: Command, config: Config) -> u8 {
    match command {
        Command::Demo(args) => demo(&args),
        Command::Verify(_) => moved("verify"),
        Command::Status(args) => {
            mynakey::status_cli::run(&args, config, &mut io::stdout(), &mut io::stderr())
        }
        Command::Document(_) => moved("document"),
        Command::Install(args) => mynakey::install::cli(true, &args, &mut io::stdout()),
        Command::Uninstall(args) => mynakey::install::cli(false, &args, &mut io::stdout()),
        Command::Simulate(args) => simulate(&args),
        Command::PackageFiles { root } => {
            match mynakey::install::write_linux_package_files(&root, &mut io::stdout()) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("mynakey-host: {e}");
                    1
                }
            }
        }
    }
}

/// `verify` and `document` moved to `mynakey-rp`: one line, exit 2.
fn moved(command: &str) -> u8 {
    eprintln!("{}", mynakey::cli::moved(command));
    2
}

#[cfg(feature = "simulator")]
fn demo(args: &mynakey::cli::DemoArgs) -> u8 {
    let save = args
        .save
        .clone()
        .unwrap_or_else(mynakey::demo::default_save_dir);
    match mynakey::demo::run(&mut io::stdout(), &save) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(e) => {
            eprintln!("mynakey-host demo: {e}");
            1
        }
    }
}

#[cfg(feature = "simulator")]
fn simulate(args: &mynakey::cli::SimulateArgs) -> u8 {
    mynakey::lab::simulate(args, &mut io::stderr())
}

#[cfg(not(feature = "simulator"))]
fn demo(_: &mynakey::cli::DemoArgs) -> u8 {
    no_simulator()
}

#[cfg(not(feature = "simulator"))]
fn simulate(_: &mynakey::cli::SimulateArgs) -> u8 {
    no_simulator()
}

#[cfg(not(feature = "simulator"))]
fn no_simulator() -> u8 {
    eprintln!("mynakey-host: {}", mynakey::cli::NO_SIMULATOR);
    2
}

/// The card side of host mode: PC/SC, or the simulated card in developer builds.
fn readers(lab: &LabArgs) -> Result<Box<dyn Readers>, String> {
    if !lab.wants_simulator() {
        return Ok(Box::new(mynakey_card::transport::pcsc::PcscReaders::new()));
    }
    #[cfg(feature = "simulator")]
    return Ok(Box::new(mynakey::lab::simulated_readers(lab)?));
    #[cfg(not(feature = "simulator"))]
    Err(mynakey::cli::NO_SIMULATOR.to_owned())
}

/// Host mode. The browser's own arguments were set aside by the parser.
fn serve(lab: &LabArgs, config: Config) -> ExitCode {
    let readers = match readers(lab) {
        Ok(readers) => readers,
        Err(e) => {
            eprintln!("mynakey-host: {e}");
            return ExitCode::from(2);
        }
    };
    let stdout: Box<dyn Write + Send> = Box::new(io::stdout());
    // Unbuffered: std's `Stdin` keeps its own 8 KiB buffer (never zeroized) that would hold a
    // copy of each request, PINs included. A `File` on a duplicate of the descriptor reads
    // straight into the frame buffer, which is zeroized.
    let mut stdin = match unbuffered_stdin() {
        Ok(file) => file,
        Err(e) => {
            eprintln!("mynakey-host: cannot read stdin: {e}");
            return ExitCode::from(2);
        }
    };
    mynakey::server::serve(&mut stdin, stdout, readers, config);
    ExitCode::SUCCESS
}

#[cfg(unix)]
fn unbuffered_stdin() -> io::Result<std::fs::File> {
    use std::os::fd::AsFd;
    Ok(std::fs::File::from(
        io::stdin().as_fd().try_clone_to_owned()?,
    ))
}

#[cfg(windows)]
fn unbuffered_stdin() -> io::Result<std::fs::File> {
    use std::os::windows::io::AsHandle;
    Ok(std::fs::File::from(
        io::stdin().as_handle().try_clone_to_owned()?,
    ))
}
