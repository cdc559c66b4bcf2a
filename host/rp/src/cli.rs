//! The relying party's command line, declared once: clap derives the parser and every help text
//! from these types. Each command's runner takes its parsed arguments.

use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "mynakey-rp",
    version,
    about = "mynakey-rp — a relying party's tools for mynakey: verify login proofs and signatures, \
        prepare and finish signed documents (no card, no PC/SC)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Verify a login proof (token JSON on stdin) or a document signature, as a service would.
    Verify(Box<VerifyArgs>),
    /// Prepare a signed document (JSON on stdin → the hash for the card), then finish it with
    /// the card's signature (JSON on stdin → the .p7s or signed PDF); ltv archives a signed PDF.
    #[command(long_about = DOCUMENT_HELP)]
    Document {
        #[command(subcommand)]
        step: DocumentStep,
    },
}

const DOCUMENT_HELP: &str = "Signed documents for relying parties, in two stateless steps \
    (JSON on stdin, JSON on stdout; docs/documents.md):\n\n\
    prepare: {\"format\": \"pdf\"|\"cms\", \"document\": BASE64, \"certificate\": BASE64, \
    \"signingTime\"?: RFC 3339, \"name\"?: TEXT, \"reason\"?: TEXT} → {\"hashAlgorithm\", \"hash\", \
    \"prepared\"}\n\n\
    finish: {\"prepared\": <from prepare>, \"signature\": BASE64} → {\"format\", \"signed\": BASE64} \
    (the signed PDF, or the .p7s of the document); with --tsa URL --tsa-trust DIR, a trusted \
    timestamp over the signature is added first (PAdES B-T / CAdES-T); \"level\" says which was made; an https TSA must have a TLS \
    certificate under a Mozilla root, or under a private CA given with --tsa-tls-root FILE\n\n\
    ltv --tsa URL --tsa-trust DIR [--tsa-tls-root FILE]... [--issuers DIR] [--crl FILE|DIR]...: {\"document\": BASE64 \
    (a signed PDF)} → {\"format\": \"pdf\", \"signed\": BASE64, \"level\": \"B-LTA\"}: the DSS with the \
    certificates and the CRLs that cover them, then a document timestamp (again later: renewal)";

/// The two steps of `mynakey-rp document`.
#[derive(Debug, Clone, Subcommand)]
pub enum DocumentStep {
    /// The document and the signing certificate in; the one hash the card signs out.
    Prepare,
    /// The prepared state and the card's signature in; the signed document out.
    Finish(FinishArgs),
    /// A signed PDF in; out with its validation data (DSS, PAdES B-LT) and a document
    /// timestamp (PAdES B-LTA). Again on an archived PDF, it renews the archive.
    Ltv(LtvArgs),
}

/// `document ltv`'s options.
#[derive(Debug, Clone, Args)]
pub struct LtvArgs {
    /// The RFC 3161 TSA (http:// or https://) of the document timestamp.
    #[arg(long, value_name = "URL")]
    pub tsa: String,
    /// The TSA roots (DER or PEM files in DIR) its certificate must chain to; they are
    /// embedded in the DSS too.
    #[arg(long, value_name = "DIR")]
    pub tsa_trust: PathBuf,
    /// Give up on the TSA after SECONDS (connect, send and read together).
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_TSA_TIMEOUT_SECONDS)]
    pub tsa_timeout: u64,
    /// For an https TSA whose TLS certificate a private CA issued: trust the CA certificates
    /// in FILE (PEM, one or more; or one DER) besides the Mozilla roots (repeatable). An
    /// http:// TSA ignores them.
    #[arg(long = "tsa-tls-root", value_name = "FILE")]
    pub tsa_tls_roots: Vec<PathBuf>,
    /// The signers' roots and intermediates (DER or PEM files in DIR, e.g. the --trust
    /// directory of verify): those that issued a certificate in the file are embedded.
    #[arg(long, value_name = "DIR")]
    pub issuers: Option<PathBuf>,
    /// A CRL (DER), or a directory of them (every `*.crl` and `*.der` file in it, e.g. a whole
    /// set of partitioned CRLs), offered as revocation data (repeatable): only the CRLs that
    /// cover a certificate in the DSS are embedded.
    #[arg(long = "crl", value_name = "FILE|DIR")]
    pub crls: Vec<PathBuf>,
}

/// `document finish`'s options.
#[derive(Debug, Clone, Args)]
pub struct FinishArgs {
    /// Add a trusted timestamp over the signature from this RFC 3161 TSA (http:// or https://):
    /// a CAdES-T .p7s or a PAdES B-T PDF. Any TSA failure means no signed document.
    #[arg(long, value_name = "URL", requires = "tsa_trust")]
    pub tsa: Option<String>,
    /// The TSA roots (DER or PEM files in DIR) the timestamp's TSA certificate must chain to.
    #[arg(long, value_name = "DIR", requires = "tsa")]
    pub tsa_trust: Option<PathBuf>,
    /// Give up on the TSA after SECONDS (connect, send and read together).
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_TSA_TIMEOUT_SECONDS, requires = "tsa")]
    pub tsa_timeout: u64,
    /// For an https TSA whose TLS certificate a private CA issued: trust the CA certificates
    /// in FILE (PEM, one or more; or one DER) besides the Mozilla roots (repeatable). An
    /// http:// TSA ignores them.
    #[arg(long = "tsa-tls-root", value_name = "FILE", requires = "tsa")]
    pub tsa_tls_roots: Vec<PathBuf>,
}

/// The default bound on one exchange with a TSA.
pub const DEFAULT_TSA_TIMEOUT_SECONDS: u64 = 10;

impl Default for FinishArgs {
    /// No TSA (what `document finish` alone parses to).
    fn default() -> Self {
        Self {
            tsa: None,
            tsa_trust: None,
            tsa_timeout: DEFAULT_TSA_TIMEOUT_SECONDS,
            tsa_tls_roots: Vec::new(),
        }
    }
}

#[derive(Debug, Args, Default)]
#[command(
    override_usage = "mynakey-rp verify --origin ORIGIN --challenge CHALLENGE [OPTIONS] < token.json\n       \
        mynakey-rp verify --signature --hash-algorithm SHA-256|SHA-384|SHA-512 --hash BASE64 \
        --signature-value BASE64 (--certificate BASE64 | --certificate-file FILE) [OPTIONS]\n       \
        mynakey-rp verify --cms FILE.p7s --content FILE [OPTIONS]\n       \
        mynakey-rp verify --pdf FILE.pdf [OPTIONS]",
    long_about = "Verifies a mynakey login proof (token JSON on stdin) for the service's ORIGIN and \
        the CHALLENGE it issued, a document signature over a hash, a detached CMS signature \
        (.p7s) of a file, or a signed PDF. Prints the verdict and the \
        certificate holder; exits 0 when valid, 1 when invalid, 2 on usage or setup errors.\n\n\
        Values are data, never file names: --certificate takes base64 only (a value starting \
        with @ is refused); --certificate-file names a file the operator chose.",
    after_help = "Limits: certificate 16 KiB, token on stdin 64 KiB, each CRL 256 MiB, each trust file 16 KiB."
)]
pub struct VerifyArgs {
    /// The service's own origin (login proofs).
    #[arg(long)]
    pub origin: Option<String>,
    /// The challenge the service issued (login proofs).
    #[arg(long)]
    pub challenge: Option<String>,
    /// Verify a document signature over a hash instead of a login proof.
    #[arg(long)]
    pub signature: bool,
    /// The hash algorithm of --hash: SHA-256, SHA-384 or SHA-512.
    #[arg(long, value_name = "NAME")]
    pub hash_algorithm: Option<String>,
    /// The signed hash, standard base64.
    #[arg(long, value_name = "BASE64")]
    pub hash: Option<String>,
    /// The signature, standard base64.
    #[arg(long, value_name = "BASE64")]
    pub signature_value: Option<String>,
    /// The signer's certificate, standard base64 DER.
    #[arg(long, value_name = "BASE64")]
    pub certificate: Option<String>,
    /// The signer's certificate from FILE (DER or PEM).
    #[arg(long, value_name = "FILE")]
    pub certificate_file: Option<String>,
    /// Trust the root certificates in DIR instead of the built-in J-LIS roots (classified by
    /// OU, else by an auth*/sign* file name).
    #[arg(long, value_name = "DIR")]
    pub trust: Option<String>,
    /// The roots of trusted timestamp authorities (DER or PEM files in DIR). With them, a
    /// signature whose timestamp checks out is judged at the timestamp's time (B-T); without
    /// them an embedded timestamp is not checked and the signature is judged now (B-B).
    #[arg(long, value_name = "DIR")]
    pub tsa_trust: Option<PathBuf>,
    /// Check revocation against this CRL (DER or PEM; repeatable).
    #[arg(long = "crl", value_name = "FILE")]
    pub crls: Vec<String>,
    /// Verify a detached CMS signature (.p7s, DER) of the --content file.
    #[arg(long, value_name = "FILE", requires = "content", conflicts_with_all = ["pdf", "signature", "origin", "challenge"])]
    pub cms: Option<PathBuf>,
    /// The document the --cms signature is over.
    #[arg(long, value_name = "FILE", requires = "cms")]
    pub content: Option<PathBuf>,
    /// Verify every signature of a signed PDF (PAdES).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["signature", "origin", "challenge"])]
    pub pdf: Option<PathBuf>,
    /// Verify as of TIME (YYYY-MM-DDTHH:MM:SSZ) instead of now.
    #[arg(long, value_name = "TIME")]
    pub time: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Parses `mynakey-rp verify ARGS…` (a leading `verify` in `args` is skipped): the in-process
/// entry point of [`crate::verify_cli::cli`].
pub fn parse_verify(args: &[String]) -> Result<Box<VerifyArgs>, clap::Error> {
    let args = args.strip_prefix(&["verify".to_owned()]).unwrap_or(args);
    let program = ["mynakey-rp", "verify"].map(str::to_owned);
    match Cli::try_parse_from(program.into_iter().chain(args.iter().cloned()))?.command {
        Command::Verify(verify) => Ok(verify),
        Command::Document { .. } => Err(clap::Error::new(ErrorKind::InvalidSubcommand)),
    }
}

/// The help of one command, for usage errors found after parsing.
pub fn help(command: &str) -> String {
    <Cli as clap::CommandFactory>::command()
        .get_subcommands_mut()
        .find(|c| c.get_name() == command)
        .map_or_else(String::new, |c| c.render_help().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declarations_are_consistent() {
        <Cli as clap::CommandFactory>::command().debug_assert();
    }

    #[test]
    fn help_is_generated_for_every_command() {
        for command in ["verify", "document"] {
            assert!(help(command).contains("Usage:"), "{command}");
        }
        assert!(help("verify").contains("--certificate-file"));
        assert!(help("verify").contains("mynakey-rp verify --pdf"));
    }

    #[test]
    fn document_steps_parse() {
        let parse =
            |args: &[&str]| Cli::try_parse_from(["mynakey-rp", "document"].iter().chain(args));
        for (name, step) in [
            ("prepare", DocumentStep::Prepare),
            ("finish", DocumentStep::Finish(FinishArgs::default())),
        ] {
            let Ok(Cli {
                command: Command::Document { step: parsed },
            }) = parse(&[name])
            else {
                panic!("document {name} did not parse")
            };
            assert_eq!(format!("{parsed:?}"), format!("{step:?}"));
        }
        assert!(parse(&["sign"]).is_err());
        // A TSA needs its roots, and the roots a TSA.
        assert!(parse(&["finish", "--tsa", "http://127.0.0.1:1/"]).is_err());
        assert!(parse(&["finish", "--tsa-trust", "dir"]).is_err());
        assert!(parse(&["finish", "--tsa", "http://127.0.0.1:1/", "--tsa-trust", "d"]).is_ok());
        assert!(parse(&["finish", "--tsa-tls-root", "r.pem"]).is_err());
        let https = ["--tsa", "https://127.0.0.1:1/", "--tsa-trust", "d"];
        let roots = ["--tsa-tls-root", "a.pem", "--tsa-tls-root", "b.pem"];
        for step in ["finish", "ltv"] {
            let Ok(Cli {
                command: Command::Document { step },
            }) = parse(&[&[step][..], &https, &roots].concat())
            else {
                panic!("document {step} with two TLS roots did not parse")
            };
            let parsed = match step {
                DocumentStep::Finish(a) => a.tsa_tls_roots,
                DocumentStep::Ltv(a) => a.tsa_tls_roots,
                DocumentStep::Prepare => Vec::new(),
            };
            assert_eq!(parsed, [PathBuf::from("a.pem"), PathBuf::from("b.pem")]);
        }
        // ltv needs a TSA and its roots.
        assert!(parse(&["ltv"]).is_err());
        assert!(parse(&["ltv", "--tsa", "http://127.0.0.1:1/"]).is_err());
        assert!(parse(&["ltv", "--tsa", "http://127.0.0.1:1/", "--tsa-trust", "d"]).is_ok());
        assert!(parse_verify(&["document".into()]).is_err());
        assert!(parse_verify(&["verify".into(), "--json".into()]).is_ok_and(|a| a.json));
    }
}
