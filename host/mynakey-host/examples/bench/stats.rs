//! Medians and spreads of repeated timings.

use std::time::Duration;

/// Summary of one series of timings (milliseconds).
#[derive(Clone, Debug)]
pub struct Series {
    pub n: usize,
    pub median: f64,
    pub p10: f64,
    pub p90: f64,
    pub min: f64,
    pub max: f64,
}

impl Series {
    pub fn of(samples: &[Duration]) -> Series {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        Series::sorted(&ms)
    }

    pub fn of_ms(values: &[f64]) -> Series {
        let mut ms = values.to_vec();
        ms.sort_by(f64::total_cmp);
        Series::sorted(&ms)
    }

    fn sorted(ms: &[f64]) -> Series {
        let q = |p: f64| -> f64 {
            if ms.is_empty() {
                return f64::NAN;
            }
            // Nearest-rank on the sorted samples; the median averages the middle two.
            let rank = (p * (ms.len() - 1) as f64).round() as usize;
            ms[rank.min(ms.len() - 1)]
        };
        let median = match ms.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => ms[n / 2],
            n => (ms[n / 2 - 1] + ms[n / 2]) / 2.0,
        };
        Series {
            n: ms.len(),
            median,
            p10: q(0.10),
            p90: q(0.90),
            min: ms.first().copied().unwrap_or(f64::NAN),
            max: ms.last().copied().unwrap_or(f64::NAN),
        }
    }

    /// `1.234 ms (p10 1.1 – p90 1.4; min 1.0, max 2.0; n=50)`
    pub fn cell(&self) -> String {
        format!(
            "{} | {} – {} | {} – {} | {}",
            fmt(self.median),
            fmt(self.p10),
            fmt(self.p90),
            fmt(self.min),
            fmt(self.max),
            self.n
        )
    }
}

/// Milliseconds with three significant-ish digits.
pub fn fmt(ms: f64) -> String {
    if ms.is_nan() {
        "–".into()
    } else if ms >= 100.0 {
        format!("{ms:.0}")
    } else if ms >= 10.0 {
        format!("{ms:.1}")
    } else if ms >= 1.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.3}")
    }
}

pub const HEADER: &str =
    "| what | median ms | p10 – p90 ms | min – max ms | n |\n|---|---:|---:|---:|---:|";

pub fn row(what: &str, s: &Series) -> String {
    format!("| {what} | {} |", s.cell())
}
