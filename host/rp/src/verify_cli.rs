//! `mynakey-rp verify …`: the verifier as a command (logins and signatures here; signed
//! documents in [`crate::verify_documents`]).

use std::io::{Read, Write};
use std::path::Path;
use std::time::SystemTime;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use clap::error::ErrorKind;

use crate::cli::{help, parse_verify, VerifyArgs};
use crate::report::{login_lines, report, signer_lines, LOGIN, SIGNATURE, USAGE_ERROR, VALID};

use mynakey_verify::{
    certificate_der, parse_challenge, parse_origin, parse_rfc3339, read_capped, verify_signature,
    HashAlgorithm, LoginIdentity, LoginToken, SignerIdentity, Trust, VerifyError,
    CERTIFICATE_MAX_BYTES, CRL_MAX_BYTES, TOKEN_INPUT_MAX_BYTES,
};

/// Runs `mynakey-rp verify` with the arguments after the program name (a leading `verify`
/// is skipped). Reads the login token from `stdin`, writes the verdict to `stdout` and usage
/// errors to `stderr`. Returns the exit code: 0 valid, 1 invalid, 2 usage or setup error.
pub fn cli(
    args: &[String],
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    match parse_verify(args) {
        Ok(args) => run(&args, stdin, stdout, stderr),
        Err(e) if e.kind() == ErrorKind::DisplayHelp => {
            let _ = write!(stdout, "{}", e.render());
            VALID
        }
        Err(e) => {
            // Nothing useful remains to do if stderr itself fails.
            let _ = write!(stderr, "mynakey-rp verify: {}", e.render());
            USAGE_ERROR
        }
    }
}

/// Runs `mynakey-rp verify` with parsed arguments; see [`cli`].
pub fn run(
    args: &VerifyArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    match verify(args, stdin, stdout) {
        Ok(code) => code,
        Err(message) => {
            let _ = write!(stderr, "mynakey-rp verify: {message}\n\n{}", help("verify"));
            USAGE_ERROR
        }
    }
}

fn verify(args: &VerifyArgs, stdin: &mut dyn Read, stdout: &mut dyn Write) -> Result<u8, String> {
    let now = match &args.time {
        Some(t) => {
            parse_rfc3339(t).ok_or_else(|| format!("--time {t:?} is not YYYY-MM-DDTHH:MM:SSZ"))?
        }
        None => SystemTime::now(),
    };
    if args.cms.is_some() || args.pdf.is_some() {
        let trust = load_trust(args)?;
        let (code, text) = crate::verify_documents::verdict(args, &trust, now)?;
        return write_out(stdout, &text).map(|()| code);
    }
    let (code, text) = if args.signature {
        let verdict = signature_verdict(args, &load_trust(args)?, now)?;
        report(&SIGNATURE, &verdict, args.json, signer_lines)
    } else {
        let verdict = login_verdict(args, stdin, now)?;
        report(&LOGIN, &verdict, args.json, login_lines)
    };
    write_out(stdout, &text)?;
    Ok(code)
}

fn write_out(stdout: &mut dyn Write, text: &str) -> Result<(), String> {
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("cannot write: {e}"))
}

/// The built-in J-LIS roots or `--trust DIR`, with every `--crl`.
fn load_trust(args: &VerifyArgs) -> Result<Trust, String> {
    let mut trust = match &args.trust {
        Some(dir) => Trust::from_dir(Path::new(dir)).map_err(|e| e.to_string())?,
        None => Trust::jpki().map_err(|e| e.to_string())?,
    };
    for file in &args.crls {
        let bytes = read_capped(Path::new(file), CRL_MAX_BYTES)
            .map_err(|e| format!("--crl {file}: {e}"))?;
        trust
            .add_crl(&bytes)
            .map_err(|e| format!("--crl {file}: {e}"))?;
    }
    Ok(trust)
}

/// `--signature`: the hash, the signature and the certificate come from the command line.
fn signature_verdict(
    args: &VerifyArgs,
    trust: &Trust,
    now: SystemTime,
) -> Result<Result<SignerIdentity, VerifyError>, String> {
    if args.origin.is_some() || args.challenge.is_some() {
        return Err("--origin/--challenge are for login proofs, not --signature".into());
    }
    let need = |v: &Option<String>, name: &str| {
        v.clone().ok_or_else(|| format!("--signature needs {name}"))
    };
    let alg_name = need(&args.hash_algorithm, "--hash-algorithm")?;
    let alg = HashAlgorithm::from_name(&alg_name).ok_or_else(|| {
        format!("--hash-algorithm {alg_name:?} is not SHA-256, SHA-384 or SHA-512")
    })?;
    let b64 = |v: String, name: &str| {
        STANDARD
            .decode(v.trim())
            .map_err(|_| format!("{name} is not standard base64"))
    };
    let hash = b64(need(&args.hash, "--hash")?, "--hash")?;
    let signature = b64(
        need(&args.signature_value, "--signature-value")?,
        "--signature-value",
    )?;
    let certificate = match (&args.certificate, &args.certificate_file) {
        (Some(_), Some(_)) => {
            return Err("give --certificate or --certificate-file, not both".into())
        }
        (None, None) => return Err("--signature needs --certificate".into()),
        (Some(value), None) => certificate_value(value)?,
        (None, Some(path)) => read_certificate_file(path)?,
    };
    Ok(verify_signature(
        &hash,
        alg,
        &signature,
        &certificate,
        trust,
        now,
    ))
}

/// A login proof: the token JSON comes on stdin, at most [`TOKEN_INPUT_MAX_BYTES`]. The
/// service's inputs and the token are checked before the roots and CRLs are loaded, so a
/// malformed token never pays for a large CRL.
fn login_verdict(
    args: &VerifyArgs,
    stdin: &mut dyn Read,
    now: SystemTime,
) -> Result<Result<LoginIdentity, VerifyError>, String> {
    let (Some(origin), Some(challenge)) = (&args.origin, &args.challenge) else {
        return Err("a login proof needs --origin and --challenge (or use --signature)".into());
    };
    if args.hash_algorithm.is_some()
        || args.hash.is_some()
        || args.signature_value.is_some()
        || args.certificate.is_some()
        || args.certificate_file.is_some()
    {
        return Err("hash/signature/certificate options need --signature".into());
    }
    let mut raw = Vec::new();
    stdin
        .take(TOKEN_INPUT_MAX_BYTES as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(|e| format!("cannot read the token from stdin: {e}"))?;
    if raw.len() > TOKEN_INPUT_MAX_BYTES {
        // Data, not a setup error: the token is invalid (and was not read to its end).
        return Ok(Err(VerifyError::TokenSize { len: raw.len() }));
    }
    let Ok(text) = std::str::from_utf8(&raw) else {
        return Ok(Err(VerifyError::TokenJson("token is not UTF-8".into())));
    };
    if let Err(e) = parse_origin(origin).and_then(|_| parse_challenge(challenge)) {
        return Ok(Err(e));
    }
    let token = match LoginToken::parse(text.trim()) {
        Ok(token) => token,
        Err(e) => return Ok(Err(e)),
    };
    let trust = load_trust(args)?;
    Ok(token.verify(origin, challenge, &trust, now))
}

/// `--certificate`: standard base64 of at most [`CERTIFICATE_MAX_BYTES`] DER bytes. Never a
/// file name: a value starting with `@` (the old file syntax) is refused before anything is read.
fn certificate_value(value: &str) -> Result<Vec<u8>, String> {
    if value.starts_with('@') {
        return Err(
            "--certificate takes base64 only (no @FILE); use --certificate-file FILE".into(),
        );
    }
    let value = value.trim();
    // Longest standard base64 of CERTIFICATE_MAX_BYTES bytes, checked before decoding.
    if value.len() > CERTIFICATE_MAX_BYTES.div_ceil(3) * 4 {
        return Err(format!(
            "--certificate is longer than the {CERTIFICATE_MAX_BYTES}-byte limit"
        ));
    }
    let der = STANDARD
        .decode(value)
        .map_err(|_| "--certificate is not standard base64".to_owned())?;
    if der.len() > CERTIFICATE_MAX_BYTES {
        return Err(format!(
            "--certificate is longer than the {CERTIFICATE_MAX_BYTES}-byte limit"
        ));
    }
    Ok(der)
}

/// `--certificate-file`: DER or PEM, at most [`CERTIFICATE_MAX_BYTES`] bytes (a bounded read).
fn read_certificate_file(path: &str) -> Result<Vec<u8>, String> {
    let bytes = read_capped(Path::new(path), CERTIFICATE_MAX_BYTES)
        .map_err(|e| format!("--certificate-file {path}: {e}"))?;
    certificate_der(bytes).map_err(|e| format!("--certificate-file {path}: {e}"))
}
