package gl

import (
	"gltrain/backend"
)

// GatherRows sets dst[i,:] = src[index[i],:] (gather_rows.comp).
func (be *Backend) GatherRows(dst, src, index backend.Tensor) error {
	if err := backend.Check(be).GatherRows(dst, src, index); err != nil {
		return err
	}
	d, s, idx := dst.(*Tensor), src.(*Tensor), index.(*Tensor)
	if err := be.ready("gather rows", "gather_rows.comp"); err != nil {
		return err
	}
	return be.enqueue("gather rows", func() error {
		p, err := be.program("gather_rows.comp")
		if err != nil {
			return err
		}
		n := d.shape.Len()
		p.SetInt("n", n)
		p.SetInt("cols", d.shape.Cols)
		p.SetInt("src_rows", s.shape.Rows)
		return be.dev.Dispatch(p, groups(n), 1, 1, s.in(), idx.in(), d.out())
	})
}

// CopyRows sets dst[row+i,:] = src[i,:] (copy_rows.comp).
func (be *Backend) CopyRows(dst backend.Tensor, row int, src backend.Tensor) error {
	if err := backend.Check(be).CopyRows(dst, row, src); err != nil {
		return err
	}
	if err := be.ready("copy rows", "copy_rows.comp"); err != nil {
		return err
	}
	d, s := dst.(*Tensor), src.(*Tensor)
	return be.enqueue("copy rows", func() error {
		p, err := be.program("copy_rows.comp")
		if err != nil {
			return err
		}
		n := s.shape.Len()
		p.SetInt("n", n)
		p.SetInt("offset", row*d.shape.Cols)
		// dst is read-modify-written only in part: mark it InOut so that
		// earlier writes to its other rows stay ordered before later reads.
		return be.dev.Dispatch(p, groups(n), 1, 1, s.in(), d.inOut())
	})
}

// OneHot sets dst[i,j] = 1 where j = labels[i], else 0 (one_hot.comp).
func (be *Backend) OneHot(dst, labels backend.Tensor) error {
	if err := backend.Check(be).OneHot(dst, labels); err != nil {
		return err
	}
	if err := be.ready("one hot", "one_hot.comp"); err != nil {
		return err
	}
	d, l := dst.(*Tensor), labels.(*Tensor)
	return be.enqueue("one hot", func() error {
		p, err := be.program("one_hot.comp")
		if err != nil {
			return err
		}
		n := d.shape.Len()
		p.SetInt("n", n)
		p.SetInt("cols", d.shape.Cols)
		return be.dev.Dispatch(p, groups(n), 1, 1, l.in(), d.out())
	})
}
