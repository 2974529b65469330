//! Late listings, delistings and gaps: the trading calendar, forward filling of short gaps and the
//! choice of the window ([`WindowRule`]). Positions here are rows of the windowed panel (`rows`),
//! calendar positions (`cal`) and indices of the active tickers (`a`).

use ndarray::Array2;

use super::WindowRule;

/// First and last row with a price of each active ticker (every active ticker has one).
pub(super) fn spans(has: &Array2<bool>) -> Vec<(usize, usize)> {
    has.columns()
        .into_iter()
        .map(|c| {
            let first = c.iter().position(|&h| h).unwrap_or(0);
            let last = c.iter().rposition(|&h| h).unwrap_or(0);
            (first, last)
        })
        .collect()
}

/// Rows that are trading days: more than half of the tickers listed on that row (inside their own
/// first..last span) have a price. A late listing therefore does not decide the calendar before
/// it lists, while a date most listed tickers lack (a holiday, a stray row) is not a trading day.
pub(super) fn calendar(has: &Array2<bool>, spans: &[(usize, usize)]) -> Vec<usize> {
    (0..has.nrows())
        .filter(|&i| {
            let listed = spans.iter().filter(|&&(f, l)| (f..=l).contains(&i)).count();
            let priced = has.row(i).iter().filter(|&&h| h).count();
            2 * priced > listed
        })
        .collect()
}

/// Prices on the calendar (cal × active) with every gap of at most `limit` calendar days inside a
/// ticker's span filled with the last price (pandas `ffill(limit=…)` restricted to whole gaps);
/// NaN where a price is still missing. The second matrix marks the filled cells.
pub(super) fn fill(prices: &Array2<f64>, cal: &[usize], limit: usize) -> (Array2<f64>, Array2<bool>) {
    let (c, a) = (cal.len(), prices.ncols());
    let mut p = Array2::from_shape_fn((c, a), |(t, j)| prices[[cal[t], j]]);
    let mut filled = Array2::from_elem((c, a), false);
    for j in 0..a {
        let mut t = 0;
        while t < c {
            if !p[[t, j]].is_nan() {
                t += 1;
                continue;
            }
            let start = t;
            while t < c && p[[t, j]].is_nan() {
                t += 1;
            }
            // Only gaps with a price on both sides: no back-filling before the listing, no
            // carrying a price past the last one.
            if start > 0 && t < c && t - start <= limit {
                let last = p[[start - 1, j]];
                for u in start..t {
                    p[[u, j]] = last;
                    filled[[u, j]] = true;
                }
            }
        }
    }
    (p, filled)
}

/// The chosen window: calendar positions `first..=last`, minus `skip` (sorted), and the tickers kept.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Chosen {
    pub first: usize,
    pub last: usize,
    pub skip: Vec<usize>,
    pub kept: Vec<usize>,
}

/// Applies `rule` to the validity matrix (cal × active: a price, possibly filled); `None` when no
/// window exists (no calendar, or a `Common` window that is empty).
pub(super) fn choose(valid: &Array2<bool>, rule: WindowRule, min_tickers: usize) -> Option<Chosen> {
    let (c, a) = valid.dim();
    if c == 0 || a == 0 {
        return None;
    }
    let complete = |j: usize, f: usize, l: usize| (f..=l).all(|t| valid[[t, j]]);
    match rule {
        WindowRule::Full => Some(Chosen {
            first: 0,
            last: c - 1,
            skip: vec![],
            kept: (0..a).filter(|&j| complete(j, 0, c - 1)).collect(),
        }),
        WindowRule::Common => {
            let col_span = |j: usize| {
                let col = valid.column(j);
                (col.iter().position(|&v| v), col.iter().rposition(|&v| v))
            };
            let (mut first, mut last) = (0, c - 1);
            for j in 0..a {
                let (Some(f), Some(l)) = col_span(j) else { return None };
                first = first.max(f);
                last = last.min(l);
            }
            if first > last {
                return None;
            }
            let skip = (first..=last).filter(|&t| (0..a).any(|j| !valid[[t, j]])).collect();
            Some(Chosen { first, last, skip, kept: (0..a).collect() })
        }
        WindowRule::Longest => longest(valid, min_tickers.clamp(1, a)),
    }
}

/// The longest run of calendar days on which at least `m` tickers are complete; ties go to more
/// tickers, then to the later window. The best window starts where one of its tickers' complete
/// runs starts, so only those starts are tried: for each, the m-th latest run end is the end.
fn longest(valid: &Array2<bool>, m: usize) -> Option<Chosen> {
    let (c, a) = valid.dim();
    // run_end[[t, j]]: last position of j's complete run through t (valid only where valid).
    let mut run_end = Array2::<usize>::zeros((c, a));
    for j in 0..a {
        for t in (0..c).rev() {
            run_end[[t, j]] = if t + 1 < c && valid[[t, j]] && valid[[t + 1, j]] { run_end[[t + 1, j]] } else { t };
        }
    }
    let mut best: Option<(usize, usize, usize, usize)> = None; // (length, tickers, first, last)
    let mut ends = Vec::with_capacity(a);
    for t in 0..c {
        let starts_here = (0..a).any(|j| valid[[t, j]] && (t == 0 || !valid[[t - 1, j]]));
        if !starts_here {
            continue;
        }
        ends.clear();
        ends.extend((0..a).filter(|&j| valid[[t, j]]).map(|j| run_end[[t, j]]));
        if ends.len() < m {
            continue;
        }
        ends.sort_unstable_by(|x, y| y.cmp(x));
        let last = ends[m - 1];
        let key = (last - t + 1, ends.iter().filter(|&&e| e >= last).count(), t, last);
        if best.is_none_or(|b| (key.0, key.1, key.2) > (b.0, b.1, b.2)) {
            best = Some(key);
        }
    }
    let (_, _, first, last) = best?;
    let kept = (0..a).filter(|&j| valid[[first, j]] && run_end[[first, j]] >= last).collect();
    Some(Chosen { first, last, skip: vec![], kept })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn valid(rows: &[&str]) -> Array2<bool> {
        Array2::from_shape_fn((rows.len(), rows[0].len()), |(t, j)| rows[t].as_bytes()[j] == b'x')
    }

    #[test]
    fn fill_only_short_inner_gaps() {
        let n = f64::NAN;
        let p = array![[n, 1.0], [2.0, n], [n, n], [3.0, n], [n, 5.0], [n, 6.0]];
        let (f, filled) = fill(&p, &[0, 1, 2, 3, 4, 5], 2);
        // Ticker 0: leading gap left, inner gap of 1 filled, trailing gap left (no price after).
        assert!(f[[0, 0]].is_nan() && f[[2, 0]] == 2.0 && f[[4, 0]].is_nan() && f[[5, 0]].is_nan());
        // Ticker 1: a gap of 3 is longer than the limit: left.
        assert!((1..4).all(|t| f[[t, 1]].is_nan()));
        assert_eq!(filled.iter().filter(|&&x| x).count(), 1);
        let (f, _) = fill(&p, &[0, 1, 2, 3, 4, 5], 3);
        assert!((1..4).all(|t| f[[t, 1]] == 1.0));
    }

    #[test]
    fn calendar_counts_listed_tickers_only() {
        // Ticker 1 lists on row 2; row 0 and 1 have ticker 0 only (1 of 1 listed): trading days.
        // Row 3 has 1 of 2 listed priced: not a trading day.
        let has = valid(&["x.", "x.", "xx", ".x", "xx"]);
        assert_eq!(calendar(&has, &spans(&has)), vec![0, 1, 2, 4]);
    }

    #[test]
    fn window_rules() {
        // Tickers list on rows 0, 0, 2, 5; ticker 1 has a gap on row 7.
        let v = valid(&["xx..", "xx..", "xxx.", "xxx.", "xxx.", "xxxx", "xxxx", "x.xx", "xxxx", "xxxx"]);
        // At least 2 complete: the whole history with tickers 0 and 2? No: 2 starts on row 2;
        // tickers 0 and 1 run 0..=6 (7 days), tickers 0 and 2 run 2..=9 (8 days) → the latter.
        let ch = choose(&v, WindowRule::Longest, 2).unwrap();
        assert_eq!((ch.first, ch.last, ch.kept.clone()), (2, 9, vec![0, 2]));
        // At least 1: ticker 0 alone over all 10.
        assert_eq!(choose(&v, WindowRule::Longest, 1).unwrap().kept, vec![0]);
        // At least 4: rows 8..=9 (2 days) beat 5..=6 (2 days) by being later.
        let ch = choose(&v, WindowRule::Longest, 4).unwrap();
        assert_eq!((ch.first, ch.last, ch.kept.len()), (8, 9, 4));
        // Common: rows 5..=9 with row 7 skipped, all four tickers kept.
        let ch = choose(&v, WindowRule::Common, 0).unwrap();
        assert_eq!((ch.first, ch.last, ch.skip.clone(), ch.kept.len()), (5, 9, vec![7], 4));
        // Full: only ticker 0 is complete.
        assert_eq!(choose(&v, WindowRule::Full, 0).unwrap().kept, vec![0]);
        // Two tickers that never overlap have no common window.
        assert!(choose(&valid(&["x.", ".x"]), WindowRule::Common, 0).is_none());
    }
}
