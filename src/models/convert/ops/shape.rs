//! Shape ops: pad, concat, reshape, slices, pack/unpack, squeeze.
//!
//! Their axes are TensorFlow's, so most of them work on the TensorFlow-layout
//! name and remap axes when they keep NCHW.

use super::{
    AttributeProto, ConvertError, Converter, DType, Layout, NodeDef, TO_NCHW, Value, attr_int,
    attr_ints, attr_str, attr_type, norm_axis, slice_len, unsupported,
};

/// The highest rank a reshape may produce (real graphs stay under 6).
const MAX_RANK: usize = 16;

/// The most pieces an unpack may produce (real graphs use a few dozen).
const MAX_PIECES: usize = 4096;

impl Converter<'_> {
    pub(super) fn pad(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let paddings = self.const_ints(node, 1)?;
        let rank = paddings.len() / 2;
        if paddings.len() % 2 != 0 || input.rank().is_some_and(|r| r != rank) {
            return Err(unsupported(node, format!("paddings {paddings:?}")));
        }
        if paddings.iter().any(|&p| p < 0) {
            return Err(unsupported(node, format!("negative paddings {paddings:?}")));
        }
        let mode = match node.op.as_str() {
            "MirrorPad" => match attr_str(node, "mode")?.as_deref() {
                Some("REFLECT") => "reflect",
                other => return Err(unsupported(node, format!("mode {other:?}"))),
            },
            _ => "constant",
        };
        let layout = if rank == 4 {
            if self.zero_pad_into_convolutions(node, &paddings) {
                Layout::Nchw
            } else {
                self.unary_layout(&key)?
            }
        } else {
            Layout::Tf
        };
        let order: Vec<usize> = match layout {
            Layout::Tf => (0..rank).collect(),
            Layout::Nchw => TO_NCHW.iter().map(|&a| a as usize).collect(),
        };
        let mut pads: Vec<i64> = order.iter().map(|&a| paddings[2 * a]).collect();
        pads.extend(order.iter().map(|&a| paddings[2 * a + 1]));
        let x = self.name_in(&key, layout)?;
        let name = node.name.as_str();
        let pads_name = self.b.ints(&format!("{name}/pads"), &pads);
        let mut inputs = vec![x, pads_name];
        if node.op == "PadV2" {
            let value_key = Self::input_key(node, 2)?;
            inputs.push(self.name_in(&value_key, Layout::Tf)?);
        }
        let y = self.b.node1(
            "Pad",
            inputs,
            vec![AttributeProto::string("mode", mode)],
            name,
        );
        let shape = input.shape.as_ref().map(|s| {
            s.iter()
                .enumerate()
                .map(|(i, d)| d.map(|d| d + paddings[2 * i] + paddings[2 * i + 1]))
                .collect()
        });
        Ok(vec![Value::computed(input.dtype, shape, layout, y)])
    }

    pub(super) fn concat(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let mut keys = Self::data_keys(node);
        if keys.len() < 2 {
            return Err(unsupported(node, format!("input count {}", keys.len())));
        }
        let axis = if node.op == "ConcatV2" {
            let axis = self.const_scalar_int(node, keys.len() - 1)?;
            keys.pop();
            axis
        } else {
            let axis = self.const_scalar_int(node, 0)?;
            keys.remove(0);
            axis
        };
        let first = self.value(&keys[0])?.clone();
        let axis = norm_axis(node, axis, first.rank())?;
        let mut names = Vec::new();
        let mut shape = first.shape.clone();
        for (i, key) in keys.iter().enumerate() {
            names.push(self.name_in(key, Layout::Tf)?);
            if i > 0 {
                let other = self.value(key)?.shape.clone();
                shape = match (shape, other) {
                    (Some(mut s), Some(o)) if s.len() == o.len() && (axis as usize) < s.len() => {
                        let a = axis as usize;
                        s[a] = s[a].zip(o[a]).map(|(x, y)| x + y);
                        Some(s)
                    }
                    _ => None,
                };
            }
        }
        let y = self.b.node1(
            "Concat",
            names,
            vec![AttributeProto::int("axis", axis)],
            &node.name,
        );
        Ok(vec![Value::computed(first.dtype, shape, Layout::Tf, y)])
    }

    pub(super) fn reshape(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let shape_key = Self::input_key(node, 1)?;
        let shape_value = self.value(&shape_key)?.clone();
        let x = self.name_in(&key, Layout::Tf)?;
        let name = node.name.as_str();
        let (shape_name, out_shape) = if let Some(k) = &shape_value.konst {
            let dims = k
                .as_ints()
                .ok_or_else(|| unsupported(node, "non-integer shape"))?;
            // A hostile file can ask for sizes whose product overflows.
            let total: Option<i64> = input
                .shape
                .as_ref()
                .and_then(|s| s.iter().try_fold(1i64, |a, &d| a.checked_mul(d?)));
            let known: i64 = dims
                .iter()
                .filter(|&&d| d != -1)
                .try_fold(1i64, |a, &d| a.checked_mul(d))
                .ok_or_else(|| unsupported(node, format!("shape {dims:?} is too large")))?;
            let out = dims
                .iter()
                .map(|&d| {
                    if d == -1 {
                        total.filter(|_| known > 0).map(|t| t / known)
                    } else {
                        Some(d)
                    }
                })
                .collect();
            (self.b.ints(&format!("{name}/shape"), &dims), Some(out))
        } else {
            let s = self.name_in(&shape_key, Layout::Tf)?;
            let cast = self.b.node1(
                "Cast",
                vec![s],
                vec![AttributeProto::int("to", i64::from(DType::I64.onnx()))],
                &format!("{name}/shape64"),
            );
            let rank = shape_value
                .shape
                .as_ref()
                .and_then(|s| s.first().copied().flatten());
            // The shape tensor's length is the output's rank; a file can
            // claim any length, and no real graph goes past a handful.
            let rank = match rank {
                Some(r) => Some(
                    usize::try_from(r)
                        .ok()
                        .filter(|&r| r <= MAX_RANK)
                        .ok_or_else(|| unsupported(node, format!("output rank {r}")))?,
                ),
                None => None,
            };
            (cast, rank.map(|r| vec![None; r]))
        };
        let y = self.b.node1("Reshape", vec![x, shape_name], vec![], name);
        Ok(vec![Value::computed(input.dtype, out_shape, Layout::Tf, y)])
    }

    pub(super) fn shape_op(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let out_type = attr_type(node, "out_type").unwrap_or_else(|| "DT_INT32".to_owned());
        let dtype = DType::from_tf(&out_type)
            .filter(|d| matches!(d, DType::I32 | DType::I64))
            .ok_or_else(|| unsupported(node, format!("out_type {out_type:?}")))?;
        let x = self.name_in(&key, Layout::Tf)?;
        let name = node.name.as_str();
        let mut y = self
            .b
            .node1("Shape", vec![x], vec![], &format!("{name}/int64"));
        if dtype == DType::I32 {
            y = self.b.node1(
                "Cast",
                vec![y],
                vec![AttributeProto::int("to", i64::from(DType::I32.onnx()))],
                name,
            );
        }
        let shape = input.rank().map(|r| vec![Some(r as i64)]);
        Ok(vec![Value::computed(dtype, shape, Layout::Tf, y)])
    }

    pub(super) fn strided_slice(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        for mask in ["ellipsis_mask", "new_axis_mask"] {
            if attr_int(node, mask).unwrap_or(0) != 0 {
                return Err(unsupported(
                    node,
                    format!("{mask} {}", attr_int(node, mask).unwrap_or(0)),
                ));
            }
        }
        let begin_mask = attr_int(node, "begin_mask").unwrap_or(0);
        let end_mask = attr_int(node, "end_mask").unwrap_or(0);
        let shrink_mask = attr_int(node, "shrink_axis_mask").unwrap_or(0);
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let begin = self.const_ints(node, 1)?;
        let end = self.const_ints(node, 2)?;
        let strides = self.const_ints(node, 3)?;
        if begin.len() != end.len() || begin.len() != strides.len() || begin.len() > 32 {
            return Err(unsupported(node, "begin/end/strides of different lengths"));
        }
        let (mut starts, mut ends, mut axes, mut steps, mut shrink_axes) =
            (vec![], vec![], vec![], vec![], vec![]);
        for i in 0..begin.len() {
            let bit = 1i64 << i;
            let step = strides[i];
            if step == 0 {
                return Err(unsupported(node, "stride 0"));
            }
            let (s, e, st) = if shrink_mask & bit != 0 {
                shrink_axes.push(i as i64);
                let b = begin[i];
                (b, if b == -1 { i64::MAX } else { b + 1 }, 1)
            } else {
                let s = if begin_mask & bit != 0 {
                    if step > 0 { 0 } else { i64::MAX }
                } else {
                    begin[i]
                };
                let e = if end_mask & bit != 0 {
                    if step > 0 { i64::MAX } else { i64::MIN }
                } else {
                    end[i]
                };
                (s, e, step)
            };
            starts.push(s);
            ends.push(e);
            axes.push(i as i64);
            steps.push(st);
        }
        let x = self.name_in(&key, Layout::Tf)?;
        let name = node.name.as_str();
        let inputs = vec![
            x,
            self.b.ints(&format!("{name}/starts"), &starts),
            self.b.ints(&format!("{name}/ends"), &ends),
            self.b.ints(&format!("{name}/axes"), &axes),
            self.b.ints(&format!("{name}/steps"), &steps),
        ];
        let slice_name = if shrink_axes.is_empty() {
            name.to_owned()
        } else {
            format!("{name}/slice")
        };
        let mut y = self.b.node1("Slice", inputs, vec![], &slice_name);
        if !shrink_axes.is_empty() {
            let axes_name = self.b.ints(&format!("{name}/shrink_axes"), &shrink_axes);
            y = self.b.node1("Squeeze", vec![y, axes_name], vec![], name);
        }
        let shape = input.shape.as_ref().map(|s| {
            s.iter()
                .enumerate()
                .filter(|(i, _)| !shrink_axes.contains(&(*i as i64)))
                .map(|(i, d)| {
                    if i < starts.len() {
                        d.map(|d| slice_len(d, starts[i], ends[i], steps[i]))
                    } else {
                        *d
                    }
                })
                .collect()
        });
        Ok(vec![Value::computed(input.dtype, shape, Layout::Tf, y)])
    }

    pub(super) fn pack(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let keys = Self::data_keys(node);
        let first = self
            .value(
                keys.first()
                    .ok_or_else(|| unsupported(node, "input count 0"))?,
            )?
            .clone();
        let axis = attr_int(node, "axis").unwrap_or(0);
        let axis = norm_axis(node, axis, first.rank().map(|r| r + 1))?;
        let name = node.name.as_str();
        let axes_name = self.b.ints(&format!("{name}/axes"), &[axis]);
        let mut parts = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            let x = self.name_in(key, Layout::Tf)?;
            let base = if keys.len() == 1 {
                name.to_owned()
            } else {
                format!("{name}/expand_{i}")
            };
            parts.push(
                self.b
                    .node1("Unsqueeze", vec![x, axes_name.clone()], vec![], &base),
            );
        }
        let y = if parts.len() == 1 {
            parts.pop().unwrap_or_default()
        } else {
            self.b.node1(
                "Concat",
                parts,
                vec![AttributeProto::int("axis", axis)],
                name,
            )
        };
        let shape = first.shape.as_ref().map(|s| {
            let mut s = s.clone();
            s.insert((axis as usize).min(s.len()), Some(keys.len() as i64));
            s
        });
        Ok(vec![Value::computed(first.dtype, shape, Layout::Tf, y)])
    }

    pub(super) fn unpack(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let num = attr_int(node, "num").ok_or_else(|| unsupported(node, "missing num"))?;
        let axis = norm_axis(node, attr_int(node, "axis").unwrap_or(0), input.rank())?;
        // One output per piece: a count from the file must match the axis
        // (when known) and stay sane, or a hostile file asks for billions.
        let known = input.shape.as_ref().and_then(|s| {
            usize::try_from(axis)
                .ok()
                .and_then(|a| s.get(a).copied().flatten())
        });
        let num = usize::try_from(num)
            .ok()
            .filter(|&n| (1..=MAX_PIECES).contains(&n))
            .filter(|&n| known.is_none_or(|k| i64::try_from(n) == Ok(k)))
            .ok_or_else(|| unsupported(node, format!("num {num}")))?;
        let x = self.name_in(&key, Layout::Tf)?;
        let name = node.name.as_str();
        let axes_name = self.b.ints(&format!("{name}/axes"), &[axis]);
        let pieces = if num == 1 {
            vec![x]
        } else {
            self.b.node(
                "Split",
                vec![x],
                num,
                vec![AttributeProto::int("axis", axis)],
                &format!("{name}/split"),
            )
        };
        let shape = input.shape.as_ref().map(|s| {
            let mut s = s.clone();
            if (axis as usize) < s.len() {
                s.remove(axis as usize);
            }
            s
        });
        let mut out = Vec::new();
        for (k, piece) in pieces.into_iter().enumerate() {
            let base = if k == 0 {
                name.to_owned()
            } else {
                format!("{name}:{k}")
            };
            let y = self
                .b
                .node1("Squeeze", vec![piece, axes_name.clone()], vec![], &base);
            out.push(Value::computed(input.dtype, shape.clone(), Layout::Tf, y));
        }
        Ok(out)
    }

    pub(super) fn expand_dims(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let dim = self.const_scalar_int(node, 1)?;
        let x = self.name_in(&key, Layout::Tf)?;
        let name = node.name.as_str();
        // TF and ONNX both read a negative axis against the output rank.
        let axes = self.b.ints(&format!("{name}/axes"), &[dim]);
        let y = self.b.node1("Unsqueeze", vec![x, axes], vec![], name);
        let shape = input.shape.as_ref().and_then(|s| {
            let rank = s.len() as i64 + 1;
            let a = if dim < 0 { dim + rank } else { dim };
            (0..rank).contains(&a).then(|| {
                let mut s = s.clone();
                s.insert(a as usize, Some(1));
                s
            })
        });
        Ok(vec![Value::computed(input.dtype, shape, Layout::Tf, y)])
    }

    pub(super) fn squeeze(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let dims = match attr_ints(node, "squeeze_dims")? {
            Some(d) => d,
            None => attr_ints(node, "axis")?.unwrap_or_default(),
        };
        let x = self.name_in(&key, Layout::Tf)?;
        let name = node.name.as_str();
        let mut inputs = vec![x];
        if !dims.is_empty() {
            inputs.push(self.b.ints(&format!("{name}/axes"), &dims));
        }
        let y = self.b.node1("Squeeze", inputs, vec![], name);
        let shape = input.shape.as_ref().and_then(|s| {
            let rank = s.len() as i64;
            if dims.is_empty() {
                s.iter()
                    .all(Option::is_some)
                    .then(|| s.iter().filter(|d| **d != Some(1)).copied().collect())
            } else {
                let drop: Vec<i64> = dims
                    .iter()
                    .map(|&d| if d < 0 { d + rank } else { d })
                    .collect();
                Some(
                    s.iter()
                        .enumerate()
                        .filter(|(i, _)| !drop.contains(&(*i as i64)))
                        .map(|(_, d)| *d)
                        .collect(),
                )
            }
        });
        Ok(vec![Value::computed(input.dtype, shape, Layout::Tf, y)])
    }
}
