package gl

import (
	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

// GatherRows sets dst[i,:] = src[index[i],:] (gather_rows.comp).
func (be *Backend) GatherRows(dst, src, index backend.Tensor) error {
	return be.do("gather rows", func() error {
		var t [3]*Tensor
		if err := be.tensors("gather rows", t[:], dst, src, index); err != nil {
			return err
		}
		d, s, idx := t[0], t[1], t[2]
		if err := backend.CheckGatherRows(d.shape, s.shape, idx.shape); err != nil {
			return err
		}
		p, err := be.program("gather_rows.comp")
		if err != nil {
			return err
		}
		n := d.shape.Len()
		p.SetInt("n", n)
		p.SetInt("cols", d.shape.Cols)
		p.SetInt("src_rows", s.shape.Rows)
		be.dev.Dispatch(p, groups(n), 1, 1, glrt.In(s.buf), glrt.In(idx.buf), glrt.Out(d.buf))
		return nil
	})
}

// CopyRows sets dst[row+i,:] = src[i,:] (copy_rows.comp).
func (be *Backend) CopyRows(dst backend.Tensor, row int, src backend.Tensor) error {
	return be.do("copy rows", func() error {
		var t [2]*Tensor
		if err := be.tensors("copy rows", t[:], dst, src); err != nil {
			return err
		}
		if err := backend.CheckCopyRows(t[0].shape, row, t[1].shape); err != nil {
			return err
		}
		p, err := be.program("copy_rows.comp")
		if err != nil {
			return err
		}
		n := t[1].shape.Len()
		p.SetInt("n", n)
		p.SetInt("offset", row*t[0].shape.Cols)
		// dst is read-modify-written only in part: mark it InOut so that
		// earlier writes to its other rows stay ordered before later reads.
		be.dev.Dispatch(p, groups(n), 1, 1, glrt.In(t[1].buf), glrt.InOut(t[0].buf))
		return nil
	})
}

// OneHot sets dst[i,j] = 1 where j = labels[i], else 0 (one_hot.comp).
func (be *Backend) OneHot(dst, labels backend.Tensor) error {
	return be.do("one hot", func() error {
		var t [2]*Tensor
		if err := be.tensors("one hot", t[:], dst, labels); err != nil {
			return err
		}
		if err := backend.CheckLabels("one hot", t[0].shape, t[1].shape); err != nil {
			return err
		}
		p, err := be.program("one_hot.comp")
		if err != nil {
			return err
		}
		n := t[0].shape.Len()
		p.SetInt("n", n)
		p.SetInt("cols", t[0].shape.Cols)
		be.dev.Dispatch(p, groups(n), 1, 1, glrt.In(t[1].buf), glrt.Out(t[0].buf))
		return nil
	})
}
