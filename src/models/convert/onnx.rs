//! The part of `onnx.proto` the converter writes, as hand-written `prost`
//! messages.
//!
//! No `protoc` is available to the build, so these structs carry the real
//! field numbers of `onnx/onnx.proto` by hand. Only fields the converter sets
//! are declared; a reader skips fields it does not know, so the subset is
//! still a valid ONNX model. Field order in each struct follows the tag order,
//! which keeps `prost`'s encoding (tag order) easy to check by eye.

/// Element types of `TensorProto.DataType` that the converter emits.
pub mod data_type {
    /// 32-bit IEEE float.
    pub const FLOAT: i32 = 1;
    /// Signed 32-bit integer.
    pub const INT32: i32 = 6;
    /// Signed 64-bit integer (indices, shapes).
    pub const INT64: i32 = 7;
    /// Boolean, one byte per element.
    pub const BOOL: i32 = 9;
}

/// Values of `AttributeProto.AttributeType` that the converter emits.
pub mod attribute_type {
    /// A single float in `f`.
    pub const FLOAT: i32 = 1;
    /// A single integer in `i`.
    pub const INT: i32 = 2;
    /// A byte string in `s`.
    pub const STRING: i32 = 3;
    /// A list of integers in `ints`.
    pub const INTS: i32 = 7;
}

/// A whole model file.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ModelProto {
    /// IR version the file follows.
    #[prost(int64, tag = "1")]
    pub ir_version: i64,
    /// Tool that wrote the file.
    #[prost(string, tag = "2")]
    pub producer_name: String,
    /// Version of that tool.
    #[prost(string, tag = "3")]
    pub producer_version: String,
    /// The computation.
    #[prost(message, optional, tag = "7")]
    pub graph: Option<GraphProto>,
    /// Operator sets the graph's nodes are taken from.
    #[prost(message, repeated, tag = "8")]
    pub opset_import: Vec<OperatorSetIdProto>,
}

/// One operator set import.
#[derive(Clone, PartialEq, prost::Message)]
pub struct OperatorSetIdProto {
    /// Empty for the default `ai.onnx` domain.
    #[prost(string, tag = "1")]
    pub domain: String,
    /// Opset version.
    #[prost(int64, tag = "2")]
    pub version: i64,
}

/// A dataflow graph.
#[derive(Clone, PartialEq, prost::Message)]
pub struct GraphProto {
    /// Nodes in topological order.
    #[prost(message, repeated, tag = "1")]
    pub node: Vec<NodeProto>,
    /// Graph name.
    #[prost(string, tag = "2")]
    pub name: String,
    /// Constant tensors.
    #[prost(message, repeated, tag = "5")]
    pub initializer: Vec<TensorProto>,
    /// Graph inputs.
    #[prost(message, repeated, tag = "11")]
    pub input: Vec<ValueInfoProto>,
    /// Graph outputs.
    #[prost(message, repeated, tag = "12")]
    pub output: Vec<ValueInfoProto>,
}

/// One operator application.
#[derive(Clone, PartialEq, prost::Message)]
pub struct NodeProto {
    /// Input value names; an empty name skips an optional input.
    #[prost(string, repeated, tag = "1")]
    pub input: Vec<String>,
    /// Output value names.
    #[prost(string, repeated, tag = "2")]
    pub output: Vec<String>,
    /// Node name, unique in the graph.
    #[prost(string, tag = "3")]
    pub name: String,
    /// Operator name, e.g. `Conv`.
    #[prost(string, tag = "4")]
    pub op_type: String,
    /// Operator attributes.
    #[prost(message, repeated, tag = "5")]
    pub attribute: Vec<AttributeProto>,
}

/// A named attribute of a node.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AttributeProto {
    /// Attribute name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// Value when `type` is FLOAT.
    #[prost(float, tag = "2")]
    pub f: f32,
    /// Value when `type` is INT.
    #[prost(int64, tag = "3")]
    pub i: i64,
    /// Value when `type` is STRING.
    #[prost(bytes = "vec", tag = "4")]
    pub s: Vec<u8>,
    /// Value when `type` is INTS.
    #[prost(int64, repeated, tag = "8")]
    pub ints: Vec<i64>,
    /// Which of the value fields is in use; readers need it because proto3
    /// encoding drops zero values.
    #[prost(int32, tag = "20")]
    pub r#type: i32,
}

/// A constant tensor.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorProto {
    /// Shape.
    #[prost(int64, repeated, tag = "1")]
    pub dims: Vec<i64>,
    /// Element type, one of [`data_type`].
    #[prost(int32, tag = "2")]
    pub data_type: i32,
    /// Name used by nodes to refer to it.
    #[prost(string, tag = "8")]
    pub name: String,
    /// Elements, little-endian, row-major.
    #[prost(bytes = "vec", tag = "9")]
    pub raw_data: Vec<u8>,
}

/// Name and type of a graph input or output.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ValueInfoProto {
    /// Value name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// Its type.
    #[prost(message, optional, tag = "2")]
    pub r#type: Option<TypeProto>,
}

/// Type of a value; the converter only uses tensors.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TypeProto {
    /// Tensor type (field 1 of the `value` oneof).
    #[prost(message, optional, tag = "1")]
    pub tensor_type: Option<TypeProtoTensor>,
}

/// `TypeProto.Tensor`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TypeProtoTensor {
    /// Element type, one of [`data_type`].
    #[prost(int32, tag = "1")]
    pub elem_type: i32,
    /// Shape, possibly with symbolic dimensions.
    #[prost(message, optional, tag = "2")]
    pub shape: Option<TensorShapeProto>,
}

/// A tensor shape.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorShapeProto {
    /// Dimensions, outermost first.
    #[prost(message, repeated, tag = "1")]
    pub dim: Vec<Dimension>,
}

/// One dimension: a number or a symbolic name.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Dimension {
    /// The value (oneof `value`).
    #[prost(oneof = "DimensionValue", tags = "1, 2")]
    pub value: Option<DimensionValue>,
}

/// `TensorShapeProto.Dimension.value`.
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum DimensionValue {
    /// A fixed size.
    #[prost(int64, tag = "1")]
    DimValue(i64),
    /// A symbolic size such as `N` for the batch.
    #[prost(string, tag = "2")]
    DimParam(String),
}

impl AttributeProto {
    /// An integer attribute.
    #[must_use]
    pub fn int(name: &str, value: i64) -> Self {
        Self {
            name: name.to_owned(),
            i: value,
            r#type: attribute_type::INT,
            ..Self::default()
        }
    }

    /// A float attribute.
    #[must_use]
    pub fn float(name: &str, value: f32) -> Self {
        Self {
            name: name.to_owned(),
            f: value,
            r#type: attribute_type::FLOAT,
            ..Self::default()
        }
    }

    /// A string attribute.
    #[must_use]
    pub fn string(name: &str, value: &str) -> Self {
        Self {
            name: name.to_owned(),
            s: value.as_bytes().to_vec(),
            r#type: attribute_type::STRING,
            ..Self::default()
        }
    }

    /// An integer list attribute.
    #[must_use]
    pub fn ints(name: &str, values: &[i64]) -> Self {
        Self {
            name: name.to_owned(),
            ints: values.to_vec(),
            r#type: attribute_type::INTS,
            ..Self::default()
        }
    }
}

impl ValueInfoProto {
    /// A tensor value with `None` dimensions written as the symbolic `N`
    /// (only the batch is ever unknown); without `dims` the rank is unknown.
    #[must_use]
    pub fn tensor(name: &str, elem_type: i32, dims: Option<&[Option<i64>]>) -> Self {
        let shape = dims.map(|dims| TensorShapeProto {
            dim: dims
                .iter()
                .map(|d| Dimension {
                    value: Some(match d {
                        Some(v) => DimensionValue::DimValue(*v),
                        None => DimensionValue::DimParam("N".to_owned()),
                    }),
                })
                .collect(),
        });
        Self {
            name: name.to_owned(),
            r#type: Some(TypeProto {
                tensor_type: Some(TypeProtoTensor { elem_type, shape }),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use prost::Message as _;

    use super::*;

    #[test]
    fn field_numbers_match_onnx_proto() {
        // OperatorSetIdProto{domain: "", version: 17}: field 2 varint = 0x10 0x11.
        let opset = OperatorSetIdProto {
            domain: String::new(),
            version: 17,
        };
        assert_eq!(opset.encode_to_vec(), vec![0x10, 17]);
        // AttributeProto type is field 20 (varint key 0xa0 0x01).
        let attr = AttributeProto::int("a", 0);
        assert_eq!(attr.encode_to_vec(), vec![0x0a, 1, b'a', 0xa0, 0x01, 2]);
        // TensorProto raw_data is field 9 (key 0x4a).
        let t = TensorProto {
            raw_data: vec![7],
            ..TensorProto::default()
        };
        assert_eq!(t.encode_to_vec(), vec![0x4a, 1, 7]);
        // A symbolic dimension is field 2 of Dimension.
        let d = Dimension {
            value: Some(DimensionValue::DimParam("N".to_owned())),
        };
        assert_eq!(d.encode_to_vec(), vec![0x12, 1, b'N']);
    }
}
