//! Accumulates ONNX nodes and initializers with unique, deterministic names.

use std::collections::{BTreeMap, HashSet};

use super::onnx::{AttributeProto, NodeProto, TensorProto, data_type};

/// Element type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    /// `DT_FLOAT`.
    F32,
    /// `DT_INT32`.
    I32,
    /// `DT_INT64` (only made by the converter itself or by int64 TF ops).
    I64,
    /// `DT_BOOL`.
    Bool,
}

impl DType {
    /// The ONNX `TensorProto.DataType` code.
    pub fn onnx(self) -> i32 {
        match self {
            Self::F32 => data_type::FLOAT,
            Self::I32 => data_type::INT32,
            Self::I64 => data_type::INT64,
            Self::Bool => data_type::BOOL,
        }
    }

    /// Parses a TensorFlow dtype name such as `DT_FLOAT`.
    pub fn from_tf(name: &str) -> Option<Self> {
        match name {
            "DT_FLOAT" => Some(Self::F32),
            "DT_INT32" => Some(Self::I32),
            "DT_INT64" => Some(Self::I64),
            "DT_BOOL" => Some(Self::Bool),
            _ => None,
        }
    }
}

/// The ONNX graph under construction.
#[derive(Debug, Default)]
pub struct Builder {
    /// Nodes in emission (= topological) order.
    pub nodes: Vec<NodeProto>,
    /// Initializers in emission order.
    pub initializers: Vec<TensorProto>,
    used: HashSet<String>,
    shared: BTreeMap<String, String>,
}

impl Builder {
    /// Claims `base`, or `base__k` for the first free k, as a value name.
    pub fn unique(&mut self, base: &str) -> String {
        if self.used.insert(base.to_owned()) {
            return base.to_owned();
        }
        let mut k = 1usize;
        loop {
            let candidate = format!("{base}__{k}");
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
            k += 1;
        }
    }

    /// Adds a node with `outputs` fresh outputs named after `base`; returns
    /// their names.
    pub fn node(
        &mut self,
        op_type: &str,
        inputs: Vec<String>,
        outputs: usize,
        attribute: Vec<AttributeProto>,
        base: &str,
    ) -> Vec<String> {
        let names: Vec<String> = (0..outputs)
            .map(|k| {
                if k == 0 {
                    self.unique(base)
                } else {
                    self.unique(&format!("{base}:{k}"))
                }
            })
            .collect();
        let name = names.first().cloned().unwrap_or_else(|| self.unique(base));
        self.nodes.push(NodeProto {
            input: inputs,
            output: names.clone(),
            name,
            op_type: op_type.to_owned(),
            attribute,
        });
        names
    }

    /// Adds a one-output node; returns the output name.
    pub fn node1(
        &mut self,
        op_type: &str,
        inputs: Vec<String>,
        attribute: Vec<AttributeProto>,
        base: &str,
    ) -> String {
        let mut names = self.node(op_type, inputs, 1, attribute, base);
        names.pop().unwrap_or_default()
    }

    /// Adds a node whose output name is fixed (graph outputs).
    pub fn node_named(&mut self, op_type: &str, inputs: Vec<String>, output: &str) {
        self.nodes.push(NodeProto {
            input: inputs,
            output: vec![output.to_owned()],
            name: format!("{output}/{op_type}"),
            op_type: op_type.to_owned(),
            attribute: Vec::new(),
        });
    }

    /// Adds an initializer from little-endian element bytes.
    pub fn initializer(&mut self, base: &str, dims: &[i64], dtype: DType, raw: Vec<u8>) -> String {
        let name = self.unique(base);
        self.initializers.push(TensorProto {
            dims: dims.to_vec(),
            data_type: dtype.onnx(),
            name: name.clone(),
            raw_data: raw,
        });
        name
    }

    /// A 1-D int64 initializer (axes, shapes, pads).
    pub fn ints(&mut self, base: &str, values: &[i64]) -> String {
        let raw = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.initializer(base, &[values.len() as i64], DType::I64, raw)
    }

    /// A 1-D float initializer.
    pub fn floats(&mut self, base: &str, values: &[f32]) -> String {
        let raw = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.initializer(base, &[values.len() as i64], DType::F32, raw)
    }

    /// A scalar float initializer shared by every node that needs the same
    /// value (Clip bounds).
    pub fn shared_scalar_f32(&mut self, value: f32) -> String {
        let key = format!("f32:{:08x}", value.to_bits());
        if let Some(name) = self.shared.get(&key) {
            return name.clone();
        }
        let name = self.initializer(
            &format!("const_f32_{value}"),
            &[],
            DType::F32,
            value.to_le_bytes().to_vec(),
        );
        self.shared.insert(key, name.clone());
        name
    }

    /// A scalar initializer of any dtype holding an integral value, shared like
    /// [`Builder::shared_scalar_f32`].
    pub fn shared_scalar_int(&mut self, value: i64, dtype: DType) -> String {
        let key = format!("{dtype:?}:{value}");
        if let Some(name) = self.shared.get(&key) {
            return name.clone();
        }
        let raw = match dtype {
            DType::I32 => (value as i32).to_le_bytes().to_vec(),
            DType::Bool => vec![u8::from(value != 0)],
            DType::I64 => value.to_le_bytes().to_vec(),
            DType::F32 => (value as f32).to_le_bytes().to_vec(),
        };
        let name = self.initializer(&format!("const_{dtype:?}_{value}"), &[], dtype, raw);
        self.shared.insert(key, name.clone());
        name
    }
}
