//! CRLs made at test time with `openssl ca -gencrl` by a root of `tests/fixtures/pki`, for
//! revocations relative to a timestamp that only exists once the test ran (OpenSSL's TSA cannot
//! back-date).

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::scratch_dir;
use crate::tsa::pki_dir;

/// One revoked certificate: its serial (hex, as in `tests/fixtures/pki/README.md`), when and
/// why (an OpenSSL reason name such as `keyCompromise` or `affiliationChanged`).
#[derive(Debug, Clone)]
pub struct Revoked<'a> {
    pub serial_hex: &'a str,
    pub at: SystemTime,
    pub reason: &'a str,
}

/// A DER CRL by the fixture root `issuer` (e.g. `sign-root-2`) with `thisUpdate` at
/// `this_update`, `nextUpdate` a year later, listing `revoked`.
pub fn make_crl(
    issuer: &str,
    this_update: SystemTime,
    revoked: &[Revoked<'_>],
) -> std::io::Result<Vec<u8>> {
    gencrl(issuer, this_update, revoked, None)
}

/// As [`make_crl`], a partition: a critical issuingDistributionPoint whose OpenSSL settings
/// (the `[idp]` section, e.g. `fullname = URI:http://…`, and any sections it names) are `idp`.
pub fn make_partition_crl(
    issuer: &str,
    this_update: SystemTime,
    revoked: &[Revoked<'_>],
    idp: &str,
) -> std::io::Result<Vec<u8>> {
    gencrl(issuer, this_update, revoked, Some(idp))
}

fn gencrl(
    issuer: &str,
    this_update: SystemTime,
    revoked: &[Revoked<'_>],
    idp: Option<&str>,
) -> std::io::Result<Vec<u8>> {
    let dir = scratch_dir("crl")?;
    let pki = pki_dir();
    let convert = |kind: &str, from: &str, to: &str| -> std::io::Result<()> {
        run(Command::new("openssl")
            .args([kind, "-inform", "DER", "-in"])
            .arg(pki.join(from))
            .arg("-out")
            .arg(dir.join(to)))
    };
    convert("x509", &format!("{issuer}.der"), "ca.pem")?;
    convert("pkey", &format!("{issuer}.key.der"), "ca.key.pem")?;
    let index: String = revoked
        .iter()
        .map(|r| {
            format!(
                "R\t350531145959Z\t{},{}\t{}\tunknown\t/CN=revoked\n",
                &asn1_time(r.at)[2..],
                r.reason,
                r.serial_hex
            )
        })
        .collect();
    std::fs::write(dir.join("index.txt"), index)?;
    std::fs::write(dir.join("crlnumber"), "10\n")?;
    let d = dir.display();
    let partition = idp.map_or(String::new(), |idp| {
        format!("issuingDistributionPoint = critical, @idp\n[idp]\n{idp}\n")
    });
    std::fs::write(
        dir.join("ca.cnf"),
        format!(
            "[ca]\ndefault_ca = c\n[c]\ndatabase = {d}/index.txt\ncrlnumber = {d}/crlnumber\n\
             default_md = sha256\ncrl_extensions = e\n[e]\nauthorityKeyIdentifier = keyid:always\n\
             {partition}"
        ),
    )?;
    let next = this_update + std::time::Duration::from_secs(365 * 86_400);
    run(Command::new("openssl")
        .args(["ca", "-batch", "-gencrl", "-config"])
        .arg(dir.join("ca.cnf"))
        .arg("-cert")
        .arg(dir.join("ca.pem"))
        .arg("-keyfile")
        .arg(dir.join("ca.key.pem"))
        .args(["-crl_lastupdate", &asn1_time(this_update)])
        .args(["-crl_nextupdate", &asn1_time(next)])
        .arg("-out")
        .arg(dir.join("crl.pem")))?;
    run(Command::new("openssl")
        .args(["crl", "-outform", "DER", "-in"])
        .arg(dir.join("crl.pem"))
        .arg("-out")
        .arg(dir.join("crl.der")))?;
    let crl = std::fs::read(dir.join("crl.der"));
    let _ = std::fs::remove_dir_all(&dir);
    crl
}

fn run(command: &mut Command) -> std::io::Result<()> {
    let out = command.output()?;
    if out.status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }
}

/// `YYYYMMDDHHMMSSZ` (UTC) of `time`, to the second.
pub fn asn1_time(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}
