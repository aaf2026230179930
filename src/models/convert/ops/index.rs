//! Index ops: `ArgMax`, `Gather`, `GatherNd`.
//!
//! ONNX wants int64 indices where TensorFlow allows int32, so indices are cast
//! on the way in.

use super::{
    AttributeProto, ConvertError, Converter, DType, Layout, NodeDef, Value, attr_int, attr_type,
    norm_axis, unsupported,
};

impl Converter<'_> {
    pub(super) fn arg_max(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let axis = norm_axis(node, self.const_scalar_int(node, 1)?, input.rank())?;
        let out_type = attr_type(node, "output_type").unwrap_or_else(|| "DT_INT64".to_owned());
        let dtype = DType::from_tf(&out_type)
            .filter(|d| matches!(d, DType::I32 | DType::I64))
            .ok_or_else(|| unsupported(node, format!("output_type {out_type:?}")))?;
        let x = self.name_in(&key, Layout::Tf)?;
        let name = node.name.as_str();
        // select_last_index=0: the first maximum wins, as in TensorFlow.
        let attrs = vec![
            AttributeProto::int("axis", axis),
            AttributeProto::int("keepdims", 0),
        ];
        let onnx_op = if node.op == "ArgMax" {
            "ArgMax"
        } else {
            "ArgMin"
        };
        let mut y = self
            .b
            .node1(onnx_op, vec![x], attrs, &format!("{name}/int64"));
        if dtype == DType::I32 {
            y = self.b.node1(
                "Cast",
                vec![y],
                vec![AttributeProto::int("to", i64::from(DType::I32.onnx()))],
                name,
            );
        }
        let shape = input.shape.as_ref().map(|s| {
            let mut s = s.clone();
            if (axis as usize) < s.len() {
                s.remove(axis as usize);
            }
            s
        });
        Ok(vec![Value::computed(dtype, shape, Layout::Tf, y)])
    }

    /// int64 ONNX name of an index input (ONNX `GatherND` wants int64).
    pub(super) fn indices_i64(&mut self, node: &NodeDef, k: usize) -> Result<String, ConvertError> {
        let key = Self::input_key(node, k)?;
        let dtype = self.value(&key)?.dtype;
        let x = self.name_in(&key, Layout::Tf)?;
        Ok(match dtype {
            DType::I64 => x,
            DType::I32 => self.b.node1(
                "Cast",
                vec![x],
                vec![AttributeProto::int("to", i64::from(DType::I64.onnx()))],
                &format!("{}/indices64", node.name),
            ),
            DType::F32 | DType::Bool => {
                return Err(unsupported(node, format!("indices of type {dtype:?}")));
            }
        })
    }

    pub(super) fn gather_nd(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let params = self.value(&key)?.clone();
        let indices_shape = self.input(node, 1)?.shape.clone();
        let x = self.name_in(&key, Layout::Tf)?;
        let indices = self.indices_i64(node, 1)?;
        let y = self
            .b
            .node1("GatherND", vec![x, indices], vec![], &node.name);
        let shape = match (indices_shape, params.shape.as_ref()) {
            (Some(mut i), Some(p)) => i.pop().flatten().map(|k| {
                i.extend(p.iter().skip(k as usize).copied());
                i
            }),
            _ => None,
        };
        Ok(vec![Value::computed(params.dtype, shape, Layout::Tf, y)])
    }

    pub(super) fn gather(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        if attr_int(node, "batch_dims").unwrap_or(0) != 0 {
            return Err(unsupported(node, "batch_dims other than 0"));
        }
        let key = Self::input_key(node, 0)?;
        let params = self.value(&key)?.clone();
        let indices_shape = self.input(node, 1)?.shape.clone();
        let axis = norm_axis(node, self.const_scalar_int(node, 2)?, params.rank())?;
        let data = self.name_in(&key, Layout::Tf)?;
        let indices = self.indices_i64(node, 1)?;
        let gathered = self.b.node1(
            "Gather",
            vec![data, indices],
            vec![AttributeProto::int("axis", axis)],
            &node.name,
        );
        let shape = match (indices_shape, params.shape.as_ref()) {
            (Some(i), Some(p)) if (axis as usize) < p.len() => {
                let a = axis as usize;
                Some(
                    p[..a]
                        .iter()
                        .chain(&i)
                        .chain(&p[a + 1..])
                        .copied()
                        .collect(),
                )
            }
            _ => None,
        };
        Ok(vec![Value::computed(
            params.dtype,
            shape,
            Layout::Tf,
            gathered,
        )])
    }
}
