//! Element-wise ops: casts, unary and binary maths, `AddN`.
//!
//! These work in either layout, so they follow their inputs' layout instead of
//! forcing a Transpose.

use super::{
    AttributeProto, ConvertError, Converter, DType, Layout, NodeDef, Value, attr_type, broadcast,
    unsupported,
};

impl Converter<'_> {
    /// Layout for a one-input op that works in either layout.
    pub(super) fn unary_layout(&self, key: &str) -> Result<Layout, ConvertError> {
        let v = self.value(key)?;
        Ok(if self.options.keep_nchw && v.nchw.is_some() {
            Layout::Nchw
        } else {
            Layout::Tf
        })
    }

    pub(super) fn cast(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let to_name = attr_type(node, "DstT").unwrap_or_default();
        let to = DType::from_tf(&to_name)
            .ok_or_else(|| unsupported(node, format!("DstT {to_name:?}")))?;
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        if input.dtype == to {
            return Ok(vec![input]);
        }
        let layout = self.unary_layout(&key)?;
        let x = self.name_in(&key, layout)?;
        let y = self.b.node1(
            "Cast",
            vec![x],
            vec![AttributeProto::int("to", i64::from(to.onnx()))],
            &node.name,
        );
        Ok(vec![Value::computed(to, input.shape, layout, y)])
    }

    pub(super) fn unary(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let layout = self.unary_layout(&key)?;
        let x = self.name_in(&key, layout)?;
        let name = node.name.as_str();
        let y = match node.op.as_str() {
            "Relu6" => {
                let lo = self.b.shared_scalar_f32(0.0);
                let hi = self.b.shared_scalar_f32(6.0);
                self.b.node1("Clip", vec![x, lo, hi], vec![], name)
            }
            "Rsqrt" => {
                let s = self
                    .b
                    .node1("Sqrt", vec![x], vec![], &format!("{name}/sqrt"));
                self.b.node1("Reciprocal", vec![s], vec![], name)
            }
            "Square" => self.b.node1("Mul", vec![x.clone(), x], vec![], name),
            "LogicalNot" => self.b.node1("Not", vec![x], vec![], name),
            op => self.b.node1(op, vec![x], vec![], name),
        };
        Ok(vec![Value::computed(input.dtype, input.shape, layout, y)])
    }

    pub(super) fn binary(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let keys = Self::data_keys(node);
        if keys.len() != 2 {
            return Err(unsupported(node, format!("input count {}", keys.len())));
        }
        let a = self.value(&keys[0])?.clone();
        let b_val = self.value(&keys[1])?.clone();
        let layout = self.pick_layout(&keys)?;
        let x = self.name_in(&keys[0], layout)?;
        let y = self.name_in(&keys[1], layout)?;
        let shape = broadcast(a.shape.as_ref(), b_val.shape.as_ref());
        let name = node.name.as_str();
        let mut dtype = a.dtype;
        let out = match node.op.as_str() {
            "AddV2" | "Add" => self.b.node1("Add", vec![x, y], vec![], name),
            "Sub" => self.b.node1("Sub", vec![x, y], vec![], name),
            "Mul" => self.b.node1("Mul", vec![x, y], vec![], name),
            "RealDiv" => self.b.node1("Div", vec![x, y], vec![], name),
            "Div" => {
                if a.dtype != DType::F32 {
                    return Err(unsupported(
                        node,
                        "integer Div (truncating); only float is handled",
                    ));
                }
                self.b.node1("Div", vec![x, y], vec![], name)
            }
            "Maximum" => self.b.node1("Max", vec![x, y], vec![], name),
            "Minimum" => self.b.node1("Min", vec![x, y], vec![], name),
            "Pow" => self.b.node1("Pow", vec![x, y], vec![], name),
            "SquaredDifference" => {
                let d = self
                    .b
                    .node1("Sub", vec![x, y], vec![], &format!("{name}/diff"));
                self.b.node1("Mul", vec![d.clone(), d], vec![], name)
            }
            "FloorDiv" => self.floor_div(x, y, a.dtype, name),
            cmp => {
                dtype = DType::Bool;
                match cmp {
                    "Less" => self.b.node1("Less", vec![x, y], vec![], name),
                    "LessEqual" => self.b.node1("LessOrEqual", vec![x, y], vec![], name),
                    "Greater" => self.b.node1("Greater", vec![x, y], vec![], name),
                    "GreaterEqual" => self.b.node1("GreaterOrEqual", vec![x, y], vec![], name),
                    "Equal" => self.b.node1("Equal", vec![x, y], vec![], name),
                    "NotEqual" => {
                        let e = self
                            .b
                            .node1("Equal", vec![x, y], vec![], &format!("{name}/eq"));
                        self.b.node1("Not", vec![e], vec![], name)
                    }
                    "LogicalAnd" => self.b.node1("And", vec![x, y], vec![], name),
                    _ => self.b.node1("Or", vec![x, y], vec![], name),
                }
            }
        };
        Ok(vec![Value::computed(dtype, shape, layout, out)])
    }

    /// TensorFlow's `FloorDiv` rounds towards negative infinity; ONNX integer
    /// Div truncates, so the quotient is lowered by one when the remainder is
    /// non-zero and the operands' signs differ.
    pub(super) fn floor_div(&mut self, x: String, y: String, dtype: DType, name: &str) -> String {
        if dtype == DType::F32 {
            let q = self
                .b
                .node1("Div", vec![x, y], vec![], &format!("{name}/div"));
            return self.b.node1("Floor", vec![q], vec![], name);
        }
        let zero = self.b.shared_scalar_int(0, dtype);
        let q = self.b.node1(
            "Div",
            vec![x.clone(), y.clone()],
            vec![],
            &format!("{name}/trunc"),
        );
        let qy = self.b.node1(
            "Mul",
            vec![q.clone(), y.clone()],
            vec![],
            &format!("{name}/qy"),
        );
        let r = self
            .b
            .node1("Sub", vec![x, qy], vec![], &format!("{name}/rem"));
        let r_zero = self.b.node1(
            "Equal",
            vec![r.clone(), zero.clone()],
            vec![],
            &format!("{name}/rem_zero"),
        );
        let r_nonzero = self
            .b
            .node1("Not", vec![r_zero], vec![], &format!("{name}/rem_nonzero"));
        let r_neg = self.b.node1(
            "Less",
            vec![r, zero.clone()],
            vec![],
            &format!("{name}/rem_neg"),
        );
        let y_neg = self
            .b
            .node1("Less", vec![y, zero], vec![], &format!("{name}/y_neg"));
        let signs = self.b.node1(
            "Xor",
            vec![r_neg, y_neg],
            vec![],
            &format!("{name}/signs_differ"),
        );
        let fix = self.b.node1(
            "And",
            vec![r_nonzero, signs],
            vec![],
            &format!("{name}/needs_fix"),
        );
        let fix = self.b.node1(
            "Cast",
            vec![fix],
            vec![AttributeProto::int("to", i64::from(dtype.onnx()))],
            &format!("{name}/fix"),
        );
        self.b.node1("Sub", vec![q, fix], vec![], name)
    }

    pub(super) fn add_n(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let keys = Self::data_keys(node);
        let first = self
            .value(
                keys.first()
                    .ok_or_else(|| unsupported(node, "input count 0"))?,
            )?
            .clone();
        let layout = self.pick_layout(&keys)?;
        let mut names = Vec::new();
        let mut shape = first.shape.clone();
        for key in &keys {
            names.push(self.name_in(key, layout)?);
            shape = broadcast(shape.as_ref(), self.value(key)?.shape.as_ref());
        }
        let y = self.b.node1("Sum", names, vec![], &node.name);
        Ok(vec![Value::computed(first.dtype, shape, layout, y)])
    }
}
