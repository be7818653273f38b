//! Native HiGHS for Node: one `HighsModel` class over the HiGHS C API (highs-sys), shaped like the parts of the
//! WebAssembly `highs` package that `@carbonreducer/optimizer` uses: pass a model as arrays (row-wise CSR), set
//! options, change column bounds (a hot start from the current basis), set a basis or a start, run, read status,
//! info, solution and basis. Typed arrays go in and are filled in place, so no JavaScript arrays are built.
//!
//! Every call runs on the calling thread (HiGHS keeps its task executor per thread, and `threads` is 1 by default
//! here), so a Node worker thread can own its models.

use std::ffi::{c_void, CStr, CString};

use highs_sys as h;
use napi::bindgen_prelude::{Either3, Float64Array, Int32Array};
use napi::{Error, Result, Status};
use napi_derive::napi;

const OK: h::HighsInt = 0; // kHighsStatusOk
const WARNING: h::HighsInt = 1; // kHighsStatusWarning

fn cstr(s: &str) -> Result<CString> {
  CString::new(s).map_err(|_| Error::new(Status::InvalidArg, format!("name contains a NUL byte: {s:?}")))
}

fn check(status: h::HighsInt, what: &str) -> Result<()> {
  if status == OK || status == WARNING {
    Ok(())
  } else {
    Err(Error::new(Status::GenericFailure, format!("HiGHS {what} failed (status {status})")))
  }
}

/// The HiGHS version this addon was built with, e.g. "1.16.0".
#[napi]
pub fn highs_version() -> String {
  unsafe { CStr::from_ptr(h::Highs_version()) }.to_string_lossy().into_owned()
}

/// One HiGHS instance. `dispose()` frees it at once; otherwise the garbage collector does.
#[napi]
pub struct HighsModel {
  ptr: *mut c_void,
  num_col: usize,
  num_row: usize,
}

impl HighsModel {
  fn highs(&self) -> Result<*mut c_void> {
    if self.ptr.is_null() {
      Err(Error::new(Status::InvalidArg, "HighsModel used after dispose()"))
    } else {
      Ok(self.ptr)
    }
  }
}

impl Drop for HighsModel {
  fn drop(&mut self) {
    if !self.ptr.is_null() {
      unsafe { h::Highs_destroy(self.ptr) };
      self.ptr = std::ptr::null_mut();
    }
  }
}

#[napi]
impl HighsModel {
  /// A new instance, silent (`output_flag` false) and single-threaded (`threads` 1).
  #[napi(constructor)]
  pub fn new() -> Result<Self> {
    let ptr = unsafe { h::Highs_create() };
    if ptr.is_null() {
      return Err(Error::new(Status::GenericFailure, "Highs_create returned null"));
    }
    let model = HighsModel { ptr, num_col: 0, num_row: 0 };
    let flag = cstr("output_flag")?;
    check(unsafe { h::Highs_setBoolOptionValue(ptr, flag.as_ptr(), 0) }, "setting output_flag")?;
    let threads = cstr("threads")?;
    check(unsafe { h::Highs_setIntOptionValue(ptr, threads.as_ptr(), 1) }, "setting threads")?;
    Ok(model)
  }

  /// Sets one option; a number goes to an integer or a double option by the option's type.
  #[napi]
  pub fn set_option(&mut self, name: String, value: Either3<bool, f64, String>) -> Result<()> {
    let highs = self.highs()?;
    let key = cstr(&name)?;
    let status = match value {
      Either3::A(b) => unsafe { h::Highs_setBoolOptionValue(highs, key.as_ptr(), b as h::HighsInt) },
      Either3::B(x) => {
        let mut kind: h::HighsInt = -1;
        check(unsafe { h::Highs_getOptionType(highs, key.as_ptr(), &mut kind) }, &format!("unknown option {name}"))?;
        match kind {
          1 => {
            if x.fract() != 0.0 || x.abs() > i32::MAX as f64 {
              return Err(Error::new(Status::InvalidArg, format!("option {name} needs an integer, got {x}")));
            }
            unsafe { h::Highs_setIntOptionValue(highs, key.as_ptr(), x as h::HighsInt) }
          }
          2 => unsafe { h::Highs_setDoubleOptionValue(highs, key.as_ptr(), x) },
          _ => return Err(Error::new(Status::InvalidArg, format!("option {name} does not take a number"))),
        }
      }
      Either3::C(s) => {
        let v = cstr(&s)?;
        unsafe { h::Highs_setStringOptionValue(highs, key.as_ptr(), v.as_ptr()) }
      }
    };
    check(status, &format!("setting option {name}"))
  }

  /// Passes a minimisation model with a row-wise (CSR) matrix; without `integrality` it is an LP.
  #[napi]
  #[allow(clippy::too_many_arguments)]
  pub fn pass_model(
    &mut self,
    col_cost: Float64Array,
    col_lower: Float64Array,
    col_upper: Float64Array,
    row_lower: Float64Array,
    row_upper: Float64Array,
    a_start: Int32Array,
    a_index: Int32Array,
    a_value: Float64Array,
    integrality: Option<Int32Array>,
  ) -> Result<()> {
    let highs = self.highs()?;
    let n = col_cost.len();
    let m = row_lower.len();
    let nz = a_index.len();
    let bad = |what: &str| Err(Error::new(Status::InvalidArg, format!("pass_model: {what}")));
    if col_lower.len() != n || col_upper.len() != n {
      return bad("column bounds and costs differ in length");
    }
    if row_upper.len() != m {
      return bad("row bounds differ in length");
    }
    if a_value.len() != nz || a_start.len() < m {
      return bad("matrix arrays differ in length");
    }
    if let Some(ref kinds) = integrality {
      if kinds.len() != n {
        return bad("integrality and costs differ in length");
      }
    }
    if a_index.iter().any(|&j| j < 0 || j as usize >= n) {
      return bad("matrix column index out of range");
    }
    let integrality_ptr = integrality.as_ref().map_or(std::ptr::null(), |v| v.as_ptr());
    let status = unsafe {
      h::Highs_passModel(
        highs,
        n as h::HighsInt,
        m as h::HighsInt,
        nz as h::HighsInt,
        0,
        2, // kHighsMatrixFormatRowwise
        0,
        1, // kHighsObjSenseMinimize
        0.0,
        col_cost.as_ptr(),
        col_lower.as_ptr(),
        col_upper.as_ptr(),
        row_lower.as_ptr(),
        row_upper.as_ptr(),
        a_start.as_ptr(),
        a_index.as_ptr(),
        a_value.as_ptr(),
        std::ptr::null(),
        std::ptr::null(),
        std::ptr::null(),
        integrality_ptr,
      )
    };
    check(status, "passModel")?;
    self.num_col = n;
    self.num_row = m;
    Ok(())
  }

  /// Reads a model from a file (CPLEX LP or MPS, by its extension), replacing the current one.
  #[napi]
  pub fn read_model(&mut self, path: String) -> Result<()> {
    let highs = self.highs()?;
    let file = cstr(&path)?;
    check(unsafe { h::Highs_readModel(highs, file.as_ptr()) }, &format!("reading model {path}"))?;
    self.num_col = unsafe { h::Highs_getNumCol(highs) } as usize;
    self.num_row = unsafe { h::Highs_getNumRow(highs) } as usize;
    Ok(())
  }

  /// The model's number of columns.
  #[napi]
  pub fn num_cols(&self) -> u32 {
    self.num_col as u32
  }

  /// The name of column `col` (models read from a file carry names).
  #[napi]
  pub fn col_name(&self, col: u32) -> Result<String> {
    let highs = self.highs()?;
    if col as usize >= self.num_col {
      return Err(Error::new(Status::InvalidArg, "col_name: column index out of range"));
    }
    let mut buf = vec![0 as std::os::raw::c_char; 513];
    check(unsafe { h::Highs_getColName(highs, col as h::HighsInt, buf.as_mut_ptr()) }, "getColName")?;
    Ok(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned())
  }

  /// Changes the bounds of the columns in `indices`; HiGHS keeps its basis and factorisation (hot start).
  #[napi]
  pub fn change_cols_bounds(&mut self, indices: Int32Array, lower: Float64Array, upper: Float64Array) -> Result<()> {
    let highs = self.highs()?;
    if lower.len() != indices.len() || upper.len() != indices.len() {
      return Err(Error::new(Status::InvalidArg, "change_cols_bounds: arrays differ in length"));
    }
    if indices.iter().any(|&j| j < 0 || j as usize >= self.num_col) {
      return Err(Error::new(Status::InvalidArg, "change_cols_bounds: column index out of range"));
    }
    if indices.is_empty() {
      return Ok(());
    }
    let status = unsafe {
      h::Highs_changeColsBoundsBySet(
        highs,
        indices.len() as h::HighsInt,
        indices.as_ptr(),
        lower.as_ptr(),
        upper.as_ptr(),
      )
    };
    check(status, "changeColsBoundsBySet")
  }

  /// Sets a basis (HiGHS' basis status codes per column and row).
  #[napi]
  pub fn set_basis(&mut self, col_status: Int32Array, row_status: Int32Array) -> Result<()> {
    let highs = self.highs()?;
    if col_status.len() != self.num_col || row_status.len() != self.num_row {
      return Err(Error::new(Status::InvalidArg, "set_basis: lengths differ from the model's"));
    }
    check(unsafe { h::Highs_setBasis(highs, col_status.as_ptr(), row_status.as_ptr()) }, "setBasis")
  }

  /// Sets a start (primal column values) for the MIP.
  #[napi]
  pub fn set_solution(&mut self, col_value: Float64Array) -> Result<()> {
    let highs = self.highs()?;
    if col_value.len() != self.num_col {
      return Err(Error::new(Status::InvalidArg, "set_solution: length differs from the model's"));
    }
    let null = std::ptr::null();
    check(unsafe { h::Highs_setSolution(highs, col_value.as_ptr(), null, null, null) }, "setSolution")
  }

  /// Runs HiGHS; returns the run's status (0 ok, 1 warning, -1 error). Read the model status after.
  #[napi]
  pub fn run(&mut self) -> Result<i32> {
    let highs = self.highs()?;
    Ok(unsafe { h::Highs_run(highs) } as i32)
  }

  /// The model status (a `kHighsModelStatus` code: 7 optimal, 8 infeasible, 13 time limit, …).
  #[napi]
  pub fn model_status(&self) -> Result<i32> {
    Ok(unsafe { h::Highs_getModelStatus(self.highs()?) } as i32)
  }

  /// An integer info value (e.g. `primal_solution_status`, `basis_validity`, `mip_node_count` as a double).
  #[napi]
  pub fn info(&self, name: String) -> Result<f64> {
    let highs = self.highs()?;
    let key = cstr(&name)?;
    let mut kind: h::HighsInt = 0;
    check(unsafe { h::Highs_getInfoType(highs, key.as_ptr(), &mut kind) }, &format!("unknown info {name}"))?;
    match kind {
      1 => {
        let mut v: h::HighsInt = 0;
        check(unsafe { h::Highs_getIntInfoValue(highs, key.as_ptr(), &mut v) }, &format!("reading info {name}"))?;
        Ok(v as f64)
      }
      2 => {
        let mut v = 0.0;
        check(unsafe { h::Highs_getDoubleInfoValue(highs, key.as_ptr(), &mut v) }, &format!("reading info {name}"))?;
        Ok(v)
      }
      _ => {
        let mut v: i64 = 0;
        check(unsafe { h::Highs_getInt64InfoValue(highs, key.as_ptr(), &mut v) }, &format!("reading info {name}"))?;
        Ok(v as f64)
      }
    }
  }

  /// The objective value of the current solution.
  #[napi]
  pub fn objective_value(&self) -> Result<f64> {
    Ok(unsafe { h::Highs_getObjectiveValue(self.highs()?) })
  }

  /// Fills `col_value` and `col_dual` (length: columns) with the solution's values and reduced costs.
  #[napi]
  pub fn solution(&self, mut col_value: Float64Array, mut col_dual: Float64Array) -> Result<()> {
    let highs = self.highs()?;
    if col_value.len() != self.num_col || col_dual.len() != self.num_col {
      return Err(Error::new(Status::InvalidArg, "solution: lengths differ from the model's columns"));
    }
    let mut row_value = vec![0.0; self.num_row];
    let mut row_dual = vec![0.0; self.num_row];
    let status = unsafe {
      h::Highs_getSolution(
        highs,
        col_value.as_mut().as_mut_ptr(),
        col_dual.as_mut().as_mut_ptr(),
        row_value.as_mut_ptr(),
        row_dual.as_mut_ptr(),
      )
    };
    check(status, "getSolution")
  }

  /// Fills `col_status` and `row_status` with the current basis.
  #[napi]
  pub fn basis(&self, mut col_status: Int32Array, mut row_status: Int32Array) -> Result<()> {
    let highs = self.highs()?;
    if col_status.len() != self.num_col || row_status.len() != self.num_row {
      return Err(Error::new(Status::InvalidArg, "basis: lengths differ from the model's"));
    }
    let status =
      unsafe { h::Highs_getBasis(highs, col_status.as_mut().as_mut_ptr(), row_status.as_mut().as_mut_ptr()) };
    check(status, "getBasis")
  }

  /// Frees the HiGHS instance now; later calls fail.
  #[napi]
  pub fn dispose(&mut self) {
    if !self.ptr.is_null() {
      unsafe { h::Highs_destroy(self.ptr) };
      self.ptr = std::ptr::null_mut();
    }
  }
}
