//! The one check every JSON number passes: serde_json writes NaN and ±∞ as `null`, silently, so
//! before anything is written the value is walked by a serializer that only looks at numbers
//! and fails on the first non-finite one, naming its place (`methods[3].acceptance`).

use serde::ser::{self, Serialize};
use std::fmt;

/// Why a value cannot be written: a non-finite number at `path`, or a custom serialisation error.
#[derive(Debug)]
pub struct NotFinite(pub String);

impl fmt::Display for NotFinite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotFinite {}

impl ser::Error for NotFinite {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        NotFinite(msg.to_string())
    }
}

/// Fails on the first non-finite `f32`/`f64` inside `value`, naming where it is.
pub fn check_numbers<T: Serialize + ?Sized>(value: &T) -> Result<(), NotFinite> {
    value.serialize(Checker { path: String::new() })
}

/// The path of the value being looked at (`methods[3].acceptance`).
struct Checker {
    path: String,
}

impl Checker {
    fn child(&self, key: impl fmt::Display, index: bool) -> Checker {
        let path = match (index, self.path.is_empty()) {
            (true, _) => format!("{}[{key}]", self.path),
            (false, true) => key.to_string(),
            (false, false) => format!("{}.{key}", self.path),
        };
        Checker { path }
    }

    fn number(&self, v: f64) -> Result<(), NotFinite> {
        if v.is_finite() {
            Ok(())
        } else {
            let at = if self.path.is_empty() { "the value" } else { &self.path };
            Err(NotFinite(format!("internal error: {at} is not finite ({v})")))
        }
    }
}

/// A sequence, tuple or map being walked: the next element's index or key.
struct Compound {
    path: String,
    index: usize,
    key: Option<String>,
}

impl Compound {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), NotFinite> {
        let r = value.serialize(Checker { path: self.path.clone() }.child(self.index, true));
        self.index += 1;
        r
    }
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), NotFinite> {
        value.serialize(Checker { path: self.path.clone() }.child(key, false))
    }
}

macro_rules! ok {
    ($($name:ident($t:ty)),*) => {
        $(fn $name(self, _: $t) -> Result<(), NotFinite> { Ok(()) })*
    };
}

impl ser::Serializer for Checker {
    type Ok = ();
    type Error = NotFinite;
    type SerializeSeq = Compound;
    type SerializeTuple = Compound;
    type SerializeTupleStruct = Compound;
    type SerializeTupleVariant = Compound;
    type SerializeMap = Compound;
    type SerializeStruct = Compound;
    type SerializeStructVariant = Compound;

    ok!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_unit_struct(&'static str)
    );

    fn serialize_f32(self, v: f32) -> Result<(), NotFinite> {
        self.number(v as f64)
    }
    fn serialize_f64(self, v: f64) -> Result<(), NotFinite> {
        self.number(v)
    }
    fn serialize_none(self) -> Result<(), NotFinite> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), NotFinite> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), NotFinite> {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), NotFinite> {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<(), NotFinite> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), NotFinite> {
        value.serialize(self.child(variant, false))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound, NotFinite> {
        Ok(Compound { path: self.path, index: 0, key: None })
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound, NotFinite> {
        self.serialize_seq(None)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound, NotFinite> {
        self.serialize_seq(None)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
        _: usize,
    ) -> Result<Compound, NotFinite> {
        self.child(v, false).serialize_seq(None)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound, NotFinite> {
        self.serialize_seq(None)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound, NotFinite> {
        self.serialize_seq(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
        _: usize,
    ) -> Result<Compound, NotFinite> {
        self.child(v, false).serialize_seq(None)
    }
}

/// The compound traits: each element is checked by its index (`element`) or name (`field`).
macro_rules! compound {
    ($($tr:ident::$method:ident => $check:ident($($arg:ident: $ty:ty)?)),*) => {$(
        impl ser::$tr for Compound {
            type Ok = ();
            type Error = NotFinite;
            fn $method<T: Serialize + ?Sized>(&mut self, $($arg: $ty,)? value: &T) -> Result<(), NotFinite> {
                self.$check($($arg,)? value)
            }
            fn end(self) -> Result<(), NotFinite> {
                Ok(())
            }
        }
    )*};
}

compound!(
    SerializeSeq::serialize_element => element(),
    SerializeTuple::serialize_element => element(),
    SerializeTupleStruct::serialize_field => element(),
    SerializeTupleVariant::serialize_field => element(),
    SerializeStruct::serialize_field => field(key: &'static str),
    SerializeStructVariant::serialize_field => field(key: &'static str)
);

impl ser::SerializeMap for Compound {
    type Ok = ();
    type Error = NotFinite;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), NotFinite> {
        // keys are names; a number as a key is checked like any number
        let text = serde_json::to_string(key).map_err(|e| NotFinite(e.to_string()))?;
        key.serialize(Checker { path: self.path.clone() })?;
        self.key = Some(text.trim_matches('"').to_string());
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), NotFinite> {
        let key = self.key.take().unwrap_or_default();
        self.field(&key, value)
    }
    fn end(self) -> Result<(), NotFinite> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(serde::Serialize)]
    struct Row {
        id: &'static str,
        acceptance: Option<f64>,
        convergence: Option<(f64, f32)>,
        frac_over_90: f64,
    }

    #[test]
    fn every_number_is_checked_and_named_by_its_place() {
        let row = |acceptance, conv, frac| Row { id: "sa", acceptance, convergence: conv, frac_over_90: frac };
        let ok = vec![row(Some(0.99), Some((1.01, 200.0)), 0.0), row(None, None, 1.0)];
        assert!(check_numbers(&ok).is_ok());
        fn err<T: serde::Serialize>(v: &T) -> String {
            check_numbers(v).unwrap_err().to_string()
        }
        let bad = vec![row(None, None, 0.5), row(Some(f64::NAN), None, 0.0)];
        assert_eq!(err(&bad), "internal error: [1].acceptance is not finite (NaN)");
        let bad = vec![row(None, Some((1.0, f32::INFINITY)), 0.0)];
        assert_eq!(err(&bad), "internal error: [0].convergence[1] is not finite (inf)");
        let bad = vec![row(None, None, f64::NEG_INFINITY)];
        assert_eq!(err(&bad), "internal error: [0].frac_over_90 is not finite (-inf)");
        let mut map = BTreeMap::new();
        map.insert("methods", vec![BTreeMap::from([("nn_band_share", f64::NAN)])]);
        assert_eq!(err(&map), "internal error: methods[0].nn_band_share is not finite (NaN)");
        assert_eq!(err(&f64::NAN), "internal error: the value is not finite (NaN)");
    }
}
