// Package safetensors reads and writes checkpoints in the safetensors format
// (https://github.com/huggingface/safetensors), the format PyTorch, JAX and
// the Hugging Face tools exchange weights in:
//
//	bytes 0..8      N, the header length, a little-endian uint64
//	bytes 8..8+N    the header: UTF-8 JSON, padded with spaces (0x20)
//	bytes 8+N..     the data section: every tensor's raw little-endian values
//
// The header maps each tensor name to its dtype, its shape and its
// [begin, end) byte range in the data section, plus an optional
// "__metadata__" object of string values:
//
//	{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}
//
// The tensors cover the data section exactly: no holes, no overlaps.
//
// gltrain's tensors are float32, so they are F32; a count that PyTorch
// holds as int64 (BatchNorm's num_batches_tracked) is I64 (Tensor.Int64).
// Write emits "__metadata__" first (omitted when empty, keys sorted), then the
// tensors sorted by name with increasing offsets, and pads the header with
// spaces to a multiple of 8 bytes so that the data section is aligned: the
// layout the reference Python library produces for F32 tensors. Read accepts
// any order, padded or not, and validates everything before returning.
//
// WriteFile is atomic: a crash or an error leaves either the old file or the
// new one at the path, never a mixture.
package safetensors
