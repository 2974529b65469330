//! Date cells: `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYYMMDD`, `MM/DD/YYYY` (month first, one or two
//! digits), each optionally followed by a time part after a space or `T` (`2013-02-08 00:00:00`),
//! which is ignored. Hand-written rather than `chrono` format strings: long files repeat each
//! date hundreds of times and the reader must stay fast.

use chrono::NaiveDate;

/// Parses one date cell (surrounding whitespace allowed); `None` if it is not a valid date.
pub fn parse_date(cell: &[u8]) -> Option<NaiveDate> {
    let s = trim(cell);
    let date_part = match s.iter().position(|&b| b == b' ' || b == b'T') {
        Some(i) => {
            let time = trim(&s[i + 1..]);
            if !looks_like_time(time) {
                return None;
            }
            &s[..i]
        }
        None => s,
    };
    let (y, m, d) = split_ymd(date_part)?;
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// Year, month, day of the date part, by layout.
fn split_ymd(s: &[u8]) -> Option<(u32, u32, u32)> {
    match s.len() {
        8 if s.iter().all(u8::is_ascii_digit) => Some((digits(&s[0..4])?, digits(&s[4..6])?, digits(&s[6..8])?)),
        10 if (s[4] == b'-' || s[4] == b'/') && s[7] == s[4] => {
            Some((digits(&s[0..4])?, digits(&s[5..7])?, digits(&s[8..10])?))
        }
        _ => {
            // MM/DD/YYYY with one- or two-digit month and day.
            let mut parts = s.split(|&b| b == b'/');
            let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some() || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) || y.len() != 4 {
                return None;
            }
            Some((digits(y)?, digits(m)?, digits(d)?))
        }
    }
}

/// Whether a cell that is not a date reads as a day-first `DD/MM/YYYY` one (day 13–31, month
/// 1–12, an optional time part after it), which the month-first reading refuses.
pub fn looks_day_first(cell: &[u8]) -> bool {
    let s = trim(cell);
    let date_part = s.split(|&b| b == b' ' || b == b'T').next().unwrap_or_default();
    let parts: Vec<&[u8]> = date_part.split(|&b| b == b'/').collect();
    let [d, m, y] = parts[..] else { return false };
    let short = |p: &[u8]| (1..=2).contains(&p.len());
    matches!((digits(d), digits(m)), (Some(13..=31), Some(1..=12))) && short(d) && short(m) && y.len() == 4
}

/// `HH:MM`, optionally `:SS`, fractional seconds and a zone suffix; only the shape is checked.
fn looks_like_time(t: &[u8]) -> bool {
    t.len() >= 5
        && t[0].is_ascii_digit()
        && t[1].is_ascii_digit()
        && t[2] == b':'
        && t[3].is_ascii_digit()
        && t[4].is_ascii_digit()
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0u32, |acc, &b| b.is_ascii_digit().then(|| acc * 10 + (b - b'0') as u32))
}

/// Strips ASCII whitespace on both sides.
pub(crate) fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |e| e + 1);
    &s[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn accepts_the_documented_formats() {
        for s in [
            "2013-02-08",
            "2013/02/08",
            "20130208",
            "02/08/2013",
            "2/8/2013",
            " 2013-02-08 ",
            "2013-02-08 00:00:00",
            "2013-02-08T00:00:00Z",
            "02/08/2013 16:00",
        ] {
            assert_eq!(parse_date(s.as_bytes()), ymd(2013, 2, 8), "{s}");
        }
    }

    #[test]
    fn rejects_invalid_dates_and_shapes() {
        for s in [
            "",
            "2013-02-30",
            "2013-13-01",
            "13/08/2013",
            "2013-02/08",
            "2013-2-8",
            "2013-02-08 noon",
            "20130230",
            "abc",
            "02/08/13",
        ] {
            assert_eq!(parse_date(s.as_bytes()), None, "{s}");
        }
    }

    #[test]
    fn day_first_dates_are_recognised_only_when_the_day_is_over_12() {
        for s in ["13/08/2013", "31/12/2020", "20/1/2021 00:00"] {
            assert!(looks_day_first(s.as_bytes()), "{s}");
        }
        for s in ["12/08/2013", "13/13/2013", "32/01/2013", "13/08/13", "2013-08-13", "abc", ""] {
            assert!(!looks_day_first(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn leap_days() {
        assert_eq!(parse_date(b"2016-02-29"), ymd(2016, 2, 29));
        assert_eq!(parse_date(b"2015-02-29"), None);
    }
}
