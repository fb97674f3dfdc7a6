//! Unix seconds to an RFC 3339 UTC timestamp, without a date-time dependency.
//!
//! Reports need exactly one timestamp format (`2026-01-01T00:00:00Z`), so the Gregorian
//! conversion is written out here: Howard Hinnant's days-to-civil algorithm, proleptic
//! Gregorian, with saturating arithmetic so that no `i64` input can overflow.
//! RFC 3339 only has four-digit years, so times outside 0000-01-01 .. 9999-12-31 are clamped
//! to those bounds rather than written in a form no reader accepts.

/// Seconds from 1970-01-01T00:00:00Z to 0000-01-01T00:00:00Z (negative).
const EARLIEST: i64 = -62_167_219_200;
/// Seconds from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
const LATEST: i64 = 253_402_300_799;

const SECONDS_PER_DAY: i64 = 86_400;

/// A civil (proleptic Gregorian) date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CivilDate {
    /// The year; 0 is 1 BC.
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
}

/// The civil date `days` days after 1970-01-01 (negative: before it).
pub fn civil_from_days(days: i64) -> CivilDate {
    // Shift the epoch to 0000-03-01 so that leap days fall at the end of a year, then split
    // into 400-year eras of 146 097 days each.
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097); // 0 ..= 146_096
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // 0 = March .. 11 = February
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era
        .saturating_add(era.saturating_mul(400))
        .saturating_add(i64::from(month <= 2));
    CivilDate {
        year,
        // Both are small by construction (1..=12, 1..=31).
        month: u32::try_from(month).unwrap_or(1),
        day: u32::try_from(day).unwrap_or(1),
    }
}

/// `unix` seconds as `YYYY-MM-DDTHH:MM:SSZ`, clamped to years 0000 to 9999.
pub fn rfc3339_utc(unix: i64) -> String {
    let unix = unix.clamp(EARLIEST, LATEST);
    let date = civil_from_days(unix.div_euclid(SECONDS_PER_DAY));
    let second_of_day = unix.rem_euclid(SECONDS_PER_DAY);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        date.year,
        date.month,
        date.day,
        second_of_day / 3_600,
        second_of_day % 3_600 / 60,
        second_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339_utc(-2_208_988_800), "1900-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(4_107_542_400), "2100-03-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_234_567_890), "2009-02-13T23:31:30Z");
    }

    #[test]
    fn extremes_clamp_to_four_digit_years() {
        assert_eq!(rfc3339_utc(EARLIEST), "0000-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(i64::MIN), "0000-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(LATEST), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339_utc(i64::MAX), "9999-12-31T23:59:59Z");
        // No panic or overflow for any day count.
        for days in [i64::MIN, i64::MIN / 2, -1, 0, 1, i64::MAX / 2, i64::MAX] {
            let date = civil_from_days(days);
            assert!((1..=12).contains(&date.month) && (1..=31).contains(&date.day));
        }
    }

    /// Walks day by day over 1600..2400 (two full 400-year cycles, including the
    /// non-leap centuries) and checks each date follows the previous one by the calendar
    /// rules, written independently of the algorithm.
    #[test]
    fn consecutive_days_follow_the_calendar() {
        fn leap(year: i64) -> bool {
            (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        }
        fn month_length(year: i64, month: u32) -> u32 {
            match month {
                2 if leap(year) => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            }
        }
        let start = -135_140; // 1600-01-01
        let mut previous = civil_from_days(start);
        assert_eq!(
            previous,
            CivilDate {
                year: 1600,
                month: 1,
                day: 1
            }
        );
        for days in start + 1..start + 2 * 146_097 {
            let date = civil_from_days(days);
            let expected = if previous.day < month_length(previous.year, previous.month) {
                CivilDate {
                    day: previous.day + 1,
                    ..previous
                }
            } else if previous.month < 12 {
                CivilDate {
                    month: previous.month + 1,
                    day: 1,
                    ..previous
                }
            } else {
                CivilDate {
                    year: previous.year + 1,
                    month: 1,
                    day: 1,
                }
            };
            assert_eq!(date, expected, "day {days}");
            previous = date;
        }
        assert_eq!(previous.year, 2399);
        assert_eq!((previous.month, previous.day), (12, 31));
    }
}
