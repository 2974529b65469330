//! Integer arguments: a Python int becomes a Rust integer only inside that integer's range. An
//! int outside it (`seed=2**64`, `chains=-1`) is a `ValueError` naming the argument and the
//! range; pyo3 alone raises `OverflowError` without the name. What is not an int at all is a
//! `TypeError` naming the argument. Real arguments ([`real`]) name themselves the same way
//! (pyo3's f64 extraction says "must be real number" without the name).

use crate::errors;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

/// A Rust integer type an argument can be read into.
pub trait Int: Sized + TryFrom<i128> {
    /// Its range in words, with `name` as the variable (e.g. `0 ≤ seed < 2^64`).
    fn range(name: &str) -> String;
}

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl Int for $t {
            fn range(name: &str) -> String {
                format!("0 ≤ {name} < 2^{}", <$t>::BITS)
            }
        }
    )*};
}
unsigned!(u32, u64, usize);

impl Int for i64 {
    fn range(name: &str) -> String {
        format!("−2^63 ≤ {name} < 2^63")
    }
}

/// The argument `name` (`obj`) as a `T`: an int out of `T`'s range is a `ValueError` (one
/// message for every integer argument), a value that is not an int (nor has `__index__`, as
/// numpy's integers do) a `TypeError`, each naming the argument.
pub fn int<T: Int>(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<T> {
    let wide = match obj.extract::<i128>() {
        Ok(v) => Some(v),
        Err(e) if e.is_instance_of::<PyTypeError>(obj.py()) => {
            return Err(PyTypeError::new_err(format!("argument '{name}': {}", e.value(obj.py()))))
        }
        // Beyond i128: out of every range.
        Err(_) => None,
    };
    wide.and_then(|v| T::try_from(v).ok())
        .ok_or_else(|| errors::value(format!("argument '{name}': {obj} is out of range: {}", T::range(name))))
}

/// [`int`] of an argument that may be absent (None): `default` then.
pub fn int_or<T: Int>(obj: Option<&Bound<'_, PyAny>>, name: &str, default: T) -> PyResult<T> {
    obj.filter(|o| !o.is_none()).map_or(Ok(default), |o| int(o, name))
}

/// The real argument `name` (`obj`) as an f64 (an int or a numpy float too); what is not a
/// number is a `TypeError` naming the argument.
pub fn real(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<f64> {
    obj.extract::<f64>().map_err(|e| PyTypeError::new_err(format!("argument '{name}': {}", e.value(obj.py()))))
}
