//! The command line, declared once: clap derives the parser and every help text from these
//! types. Each command's runner takes its parsed arguments.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// What a build without the `simulator` feature (a package) says to `demo`, `simulate` and
/// `--simulator`.
pub const NO_SIMULATOR: &str = "this build has no simulated card (built without the \
    `simulator` feature, as packages are); use a developer build (cargo build) for demo, \
    simulate and --simulator";

/// Browsers start the host with arguments of their own; host mode ignores them.
const BROWSER_ARGUMENTS: &str = "\
Browsers start the host with their own arguments (the caller's origin, --parent-window=…, \
Firefox's manifest path and add-on id); those are ignored.";

#[derive(Debug, Parser)]
#[command(
    name = "mynakey-host",
    about = "mynakey-host — My Number Card (JPKI) login proofs and signatures for web pages",
    long_about = "mynakey-host — My Number Card (JPKI) login proofs and signatures for web pages.\n\n\
        Without a command it serves the browser: native messaging on stdin/stdout.",
    after_help = BROWSER_ARGUMENTS,
    disable_version_flag = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Print the host's version and protocol version.
    #[arg(short = 'V', long)]
    pub version: bool,
    #[command(flatten)]
    pub lab: LabArgs,
    /// What the browser passes (Chromium: the caller's origin; Firefox: the manifest path and
    /// the add-on id): ignored.
    #[arg(hide = true)]
    pub browser_arguments: Vec<String>,
    /// Chromium on Windows: the window that started the host. Ignored.
    #[arg(long, hide = true, value_name = "HANDLE")]
    pub parent_window: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a relying-party round on the built-in simulated card.
    #[command(hide = cfg!(not(feature = "simulator")))]
    Demo(DemoArgs),
    /// Readers, card, PIN tries left, and the browsers the host is registered with.
    Status(StatusArgs),
    /// Moved to `mynakey-rp verify`: refused with one line naming it.
    #[command(hide = true, disable_help_flag = true)]
    Verify(MovedArgs),
    /// Moved to `mynakey-rp document`: refused with one line naming it.
    #[command(hide = true, disable_help_flag = true)]
    Document(MovedArgs),
    /// Register the host with browsers.
    Install(InstallArgs),
    /// Remove the host's registration from browsers.
    Uninstall(InstallArgs),
    /// Connect the simulated card to pcscd's vpcd reader (runs until killed).
    #[command(
        hide = cfg!(not(feature = "simulator")),
        long_about = "Connects the simulated My Number Card to pcscd's vpcd virtual reader \
            (package vsmartcard-vpcd; port 35963 is the first slot of the default \
            /etc/reader.conf.d/vpcd, 35964 the second) and serves it until killed. Test \
            identities: card1 (PIN 1234, password ABC123), card2 (5678, XYZ789). Faults: \
            remove-after=N, reinsert-ms=N, insert-ms=N, sw=INS:SW, short-reads=N, bad-signature."
    )]
    Simulate(SimulateArgs),
    /// Packaging: write the Linux system manifests below ROOT, pointing at /usr/bin/mynakey-host
    /// (packaging/build.sh stages the .deb and .rpm with it); with --windows, the two Windows
    /// manifests into ROOT and the .msi's HKLM keys on stdout (KEY<TAB>MANIFEST per line).
    #[command(hide = true)]
    PackageFiles {
        /// The staging folder standing for `/` (with --windows: for the program's folder).
        #[arg(long, value_name = "DIR")]
        root: PathBuf,
        /// The Windows .msi/.zip files instead of the Linux ones.
        #[arg(long)]
        windows: bool,
    },
}

/// Whatever followed a command that moved to `mynakey-rp`: ignored, the command is refused.
#[derive(Debug, Args, Default)]
pub struct MovedArgs {
    #[arg(hide = true, num_args = 0.., allow_hyphen_values = true, trailing_var_arg = true)]
    pub rest: Vec<String>,
}

/// The one line `mynakey-host verify|document …` answers (exit 2): the relying party's
/// commands live in `mynakey-rp`, a program without card code.
pub fn moved(command: &str) -> String {
    format!(
        "mynakey-host {command}: this is now `mynakey-rp {command}` (the relying party's tools)"
    )
}

#[derive(Debug, Args, Default)]
pub struct DemoArgs {
    /// Write the signed PDF, the text document and its .p7s to DIR (default: a new temporary
    /// folder).
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
}

/// The simulated card in host mode (development and tests; not in packages).
#[derive(Debug, Args, Default)]
pub struct LabArgs {
    /// Serve with the built-in simulated card instead of PC/SC.
    #[arg(long, hide = cfg!(not(feature = "simulator")))]
    pub simulator: bool,
    /// Simulated readers, one per item: card1, card2, android (a phone) or empty (with --simulator).
    #[arg(long, value_name = "LIST", hide = cfg!(not(feature = "simulator")))]
    pub sim_readers: Option<String>,
    /// Faults of the first simulated card, e.g. remove-after=3 (with --simulator).
    #[arg(long, value_name = "SPEC", hide = cfg!(not(feature = "simulator")))]
    pub sim_faults: Option<String>,
    /// Append every simulated APDU, redacted, to FILE (tests).
    #[arg(long, value_name = "FILE", hide = cfg!(not(feature = "simulator")))]
    pub apdu_log: Option<PathBuf>,
}

impl LabArgs {
    /// Whether any simulator option was given.
    pub fn wants_simulator(&self) -> bool {
        self.simulator
            || self.sim_readers.is_some()
            || self.sim_faults.is_some()
            || self.apdu_log.is_some()
    }
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print what the protocol's `status` command returns, as JSON.
    #[arg(long)]
    pub json: bool,
    /// Look at the built-in simulated card instead of PC/SC.
    #[arg(long, hide = cfg!(not(feature = "simulator")))]
    pub simulator: bool,
    /// Faults of the simulated card (with --simulator).
    #[arg(long, value_name = "SPEC", hide = cfg!(not(feature = "simulator")))]
    pub sim_faults: Option<String>,
}

#[derive(Debug, Args, Default)]
pub struct InstallArgs {
    /// chrome, chromium, edge, brave, vivaldi, firefox or all (default: all); repeatable or
    /// comma-separated.
    #[arg(short, long = "browser", value_name = "NAME[,NAME…]")]
    pub browsers: Vec<String>,
    /// For all users (needs root / administrator).
    #[arg(long, overrides_with = "user")]
    pub system: bool,
    /// For this user only (the default).
    #[arg(long, overrides_with = "system")]
    pub user: bool,
    /// Print what would change, change nothing.
    #[arg(short = 'n', long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// pcscd's vpcd socket, HOST:PORT.
    #[arg(long, value_name = "HOST:PORT")]
    pub vpcd: String,
    /// The simulated card: card1, card2, or android (card1's test identity as an Android
    /// phone's smartphone certificate on a contactless reader).
    #[arg(long, default_value = "card1")]
    pub card: String,
    /// Faults of the simulated card, e.g. remove-after=3.
    #[arg(long, value_name = "SPEC")]
    pub sim_faults: Option<String>,
    /// Append every APDU, redacted, to FILE.
    #[arg(long, value_name = "FILE")]
    pub apdu_log: Option<PathBuf>,
}

/// `--version`: the host's version and the protocol it speaks, written to the stream it is given:
/// the print macros panic when stdout's reader has gone, this returns the error.
pub fn write_version(out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "mynakey-host {} (protocol {})",
        env!("CARGO_PKG_VERSION"),
        mynakey_protocol::PROTOCOL_VERSION
    )?;
    out.flush()
}

/// Parses `mynakey-host <command> <args…>`; for the library's per-command entry points, which
/// take the arguments after the command name (a repeated command name is skipped).
pub fn parse_command(command: &str, args: &[String]) -> Result<Command, clap::Error> {
    let rest = match args.first() {
        Some(first) if first == command => &args[1..],
        _ => args,
    };
    let argv = ["mynakey-host", command]
        .into_iter()
        .map(str::to_owned)
        .chain(rest.iter().cloned());
    let cli = Cli::try_parse_from(argv)?;
    cli.command.ok_or_else(|| {
        clap::Error::raw(
            clap::error::ErrorKind::MissingSubcommand,
            format!("{command}: no such command"),
        )
    })
}

/// The help text of one command, for usage errors found after parsing.
pub fn command_help(command: &str) -> String {
    let mut cli = <Cli as clap::CommandFactory>::command();
    cli.find_subcommand_mut(command)
        .map(|c| c.render_help().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("mynakey-host").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn the_declarations_are_consistent() {
        <Cli as clap::CommandFactory>::command().debug_assert();
    }

    #[test]
    fn browser_arguments_are_ignored_around_the_lab_flags() {
        let chromium = parse(&[
            "chrome-extension://dedionhfdmdcponbglgdkifomcnkbdka/",
            "--parent-window=0",
            "--simulator",
        ]);
        assert!(chromium.command.is_none(), "{chromium:?}");
        assert!(chromium.lab.simulator);
        assert_eq!(chromium.browser_arguments.len(), 1);
        let wrapped = parse(&[
            "--simulator",
            "chrome-extension://abc/",
            "--parent-window=7",
        ]);
        assert!(wrapped.lab.simulator);
        let firefox = parse(&[
            "/usr/lib/mozilla/native-messaging-hosts/jp.mynakey.host.json",
            "mynakey@mynakey.jp",
        ]);
        assert!(firefox.command.is_none());
        assert!(!firefox.lab.wants_simulator());
        let plain = parse(&[]);
        assert!(plain.command.is_none() && !plain.version);
    }

    #[test]
    fn commands_parse() {
        let Some(Command::Simulate(s)) = parse(&[
            "simulate",
            "--vpcd",
            "127.0.0.1:35963",
            "--card",
            "card2",
            "--sim-faults=remove-after=3",
        ])
        .command
        else {
            panic!("not simulate")
        };
        assert_eq!(
            (s.vpcd.as_str(), s.card.as_str()),
            ("127.0.0.1:35963", "card2")
        );
        assert_eq!(s.sim_faults.as_deref(), Some("remove-after=3"));
        assert!(parse_command("simulate", &[]).is_err());
        assert!(parse_command("simulate", &["--vpcd".into()]).is_err());
        let Ok(Command::Install(i)) = parse_command(
            "install",
            &[
                "-b".into(),
                "firefox,chrome".into(),
                "--system".into(),
                "-n".into(),
            ],
        ) else {
            panic!("not install")
        };
        assert_eq!(i.browsers, ["firefox,chrome"]);
        assert!(i.system && i.dry_run);
        assert!(parse_command("install", &["--bogus".into()]).is_err());
        assert!(parse(&["--version"]).version);
    }

    #[test]
    fn the_moved_commands_parse_whatever_follows() {
        for args in [
            &["verify", "--origin", "https://a.example", "--json"][..],
            &["verify", "--help"],
            &["document", "prepare"],
            &["document"],
        ] {
            match parse(args).command {
                Some(Command::Verify(_) | Command::Document(_)) => {}
                other => panic!("{args:?}: {other:?}"),
            }
        }
        assert_eq!(
            moved("verify"),
            "mynakey-host verify: this is now `mynakey-rp verify` (the relying party's tools)"
        );
    }

    #[test]
    fn version_names_the_host_and_its_protocol() {
        let mut out = Vec::new();
        write_version(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            format!(
                "mynakey-host {} (protocol {})\n",
                env!("CARGO_PKG_VERSION"),
                mynakey_protocol::PROTOCOL_VERSION
            )
        );
    }

    #[test]
    fn help_is_generated_for_every_command() {
        for command in ["status", "install", "uninstall"] {
            assert!(command_help(command).contains("Usage:"), "{command}");
        }
    }
}
