package data

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"gltrain/internal/safefile"
)

// File is a file to fetch: its base name (also its name on every mirror),
// the SHA-256 of its content, in hex, and its size in bytes (0: not known).
// A known size bounds what is read and downloaded.
type File struct {
	Name   string
	SHA256 string
	Size   int64
}

// MNISTFiles are the four gzipped IDX files of MNIST with the SHA-256 and
// size of the originals from yann.lecun.com, which every mirror serves
// unchanged.
var MNISTFiles = []File{
	{Name: "train-images-idx3-ubyte.gz", SHA256: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", Size: 9912422},
	{Name: "train-labels-idx1-ubyte.gz", SHA256: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", Size: 28881},
	{Name: "t10k-images-idx3-ubyte.gz", SHA256: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", Size: 1648877},
	{Name: "t10k-labels-idx1-ubyte.gz", SHA256: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", Size: 4542},
}

// MNISTMirrors are the base URLs MNISTFiles are fetched from, tried in order
// (yann.lecun.com, the original site, no longer serves scripted downloads
// reliably).
var MNISTMirrors = []string{
	"https://ossci-datasets.s3.amazonaws.com/mnist/",
	"https://storage.googleapis.com/cvdf-datasets/mnist/",
}

// DefaultMNISTDir returns where gltrain keeps MNIST:
// os.UserCacheDir()/gltrain/mnist. It returns an error if the user has no
// cache directory ($XDG_CACHE_HOME and $HOME both unset, say).
func DefaultMNISTDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("mnist: default directory: %w", err)
	}
	return filepath.Join(cache, "gltrain", "mnist"), nil
}

// EnsureMNIST makes sure dir holds MNISTFiles with the right SHA-256,
// downloading the missing or damaged ones from MNISTMirrors with
// http.DefaultClient: Fetch with the defaults. An empty dir means
// DefaultMNISTDir(). Progress goes to log (nil discards it).
func EnsureMNIST(ctx context.Context, dir string, log io.Writer) error {
	if dir == "" {
		d, err := DefaultMNISTDir()
		if err != nil {
			return err
		}
		dir = d
	}
	return Fetch(ctx, dir, MNISTFiles, MNISTMirrors, http.DefaultClient, log)
}

// Fetch makes sure dir (created if needed) holds every file in files with
// its SHA-256. A file already there with the right hash is kept; a missing
// one is downloaded from mirror+name for each mirror in turn until one
// succeeds. A file there with another size or hash is never replaced: it
// may be other data under the same name (Fashion-MNIST uses MNIST's), and
// Fetch returns an error naming it. Anything there but a regular file (a
// FIFO, a link to a device) is refused before it is read, and a file is
// read no further than its size, or until ctx is done. A download streams into a temporary
// file in dir while being hashed, is checked, synced and then renamed into
// place, so a reader never sees a partial or unverified file and a failure
// leaves nothing behind. A nil client means http.DefaultClient; progress and
// each mirror's failure go to log (nil discards them).
//
// It returns an error for the first file no mirror could deliver, listing
// every mirror tried and why it failed (an HTTP status, a wrong hash, a
// network error), or wrapping ctx.Err() once ctx is done.
func Fetch(ctx context.Context, dir string, files []File, mirrors []string, client *http.Client, log io.Writer) error {
	if client == nil {
		client = http.DefaultClient
	}
	if log == nil {
		log = io.Discard
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	for _, f := range files {
		if err := fetchOne(ctx, dir, f, mirrors, client, log); err != nil {
			return err
		}
	}
	return nil
}

// fetchOne makes sure dir holds f, trying each mirror in turn.
func fetchOne(ctx context.Context, dir string, f File, mirrors []string, client *http.Client, log io.Writer) error {
	if f.Name == "" || f.Name != filepath.Base(f.Name) || f.Name == "." || f.Name == ".." || strings.ContainsAny(f.Name, `/\`) {
		return fmt.Errorf("fetch: %q is not a plain file name", f.Name)
	}
	want := strings.ToLower(f.SHA256)
	if b, err := hex.DecodeString(want); err != nil || len(b) != sha256.Size {
		return fmt.Errorf("fetch %s: SHA-256 %q is not 64 hex digits", f.Name, f.SHA256)
	}
	if f.Size < 0 {
		return fmt.Errorf("fetch %s: size %d is negative", f.Name, f.Size)
	}
	path := filepath.Join(dir, f.Name)
	switch sum, size, err := hashFile(ctx, path, f.Size); {
	case err == nil && sum == want:
		fmt.Fprintf(log, "fetch: %s: present, SHA-256 verified\n", path)
		return nil
	case err == nil:
		return other(path, f, sum, size)
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("fetch: %w", err)
	}
	if len(mirrors) == 0 {
		return fmt.Errorf("fetch %s: no mirrors to download it from", f.Name)
	}
	var failures []error
	for _, m := range mirrors {
		u, err := url.JoinPath(m, f.Name)
		if err != nil {
			failures = append(failures, fmt.Errorf("%s: %w", m, err))
			continue
		}
		fmt.Fprintf(log, "fetch: downloading %s\n", u)
		n, err := download(ctx, client, u, path, want, f.Size)
		if errors.Is(err, fs.ErrExist) { // another process's download, or other data
			sum, size, err := hashFile(ctx, path, f.Size)
			switch {
			case err != nil:
				return fmt.Errorf("fetch: %w", err)
			case sum != want:
				return other(path, f, sum, size)
			}
			fmt.Fprintf(log, "fetch: %s: appeared meanwhile, SHA-256 verified\n", path)
			return nil
		}
		if err == nil {
			fmt.Fprintf(log, "fetch: %s: %d bytes, SHA-256 verified\n", path, n)
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("fetch %s from %s: %w (%v)", f.Name, u, ctx.Err(), err)
		}
		fmt.Fprintf(log, "fetch: %s: %v\n", u, err)
		failures = append(failures, fmt.Errorf("%s: %w", u, err))
	}
	return fmt.Errorf("fetch %s: every mirror failed:\n%w", f.Name, errors.Join(failures...))
}

// download streams url into a temporary file next to path while hashing it
// (no more than size bytes and one, when size is known), and moves it to
// path if its SHA-256 is want, unless a file appeared at path meanwhile (an
// error wrapping fs.ErrExist). It
// returns the bytes received. On failure it removes the temporary file.
func download(ctx context.Context, client *http.Client, url, path, want string, size int64) (n int64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("HTTP %s", resp.Status)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.part")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	var body io.Reader = resp.Body
	if size > 0 {
		body = io.LimitReader(body, size+1)
	}
	n, err = io.Copy(io.MultiWriter(tmp, h), body)
	if err != nil {
		return n, fmt.Errorf("after %d bytes: %w", n, err)
	}
	if size > 0 && n > size {
		return n, fmt.Errorf("more than the %d bytes of the file", size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return n, fmt.Errorf("SHA-256 %s, want %s (%d bytes received)", got, want, n)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return n, err
	}
	if err := tmp.Sync(); err != nil {
		return n, err
	}
	if err := tmp.Close(); err != nil {
		return n, err
	}
	// A file that appeared at path during the download is kept (the error
	// wraps fs.ErrExist): a hard link fails where a rename would replace it.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return n, err
		}
		if err := os.Rename(tmp.Name(), path); err != nil { // no hard links here
			return n, err
		}
	} else if err := os.Remove(tmp.Name()); err != nil {
		return n, err
	}
	return n, syncDir(filepath.Dir(path))
}

// hashFile returns the hex SHA-256 of the file at path, and its size.
// Anything but a regular file is refused before it is read (a FIFO would
// block, a device never end). A file of another size than size, when size
// is not 0, is not read: the hash is "". Reading stops once ctx is done.
func hashFile(ctx context.Context, path string, size int64) (sum string, got int64, err error) {
	f, got, err := safefile.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	if size > 0 && got != size {
		return "", got, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(ctxReader{ctx, f}, got+1)); err != nil {
		return "", got, fmt.Errorf("hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), got, nil
}

// other is fetchOne's error for a file at path that is not f: it is kept.
func other(path string, f File, sum string, size int64) error {
	what := fmt.Sprintf("%d bytes, not %d", size, f.Size)
	if sum != "" {
		what = fmt.Sprintf("SHA-256 %s, not %s", sum, f.SHA256)
	}
	return fmt.Errorf("fetch: %s is not the file it should be (%s), so it is not replaced: it may be other data under the same name; move it away, or choose another folder", path, what)
}

// ctxReader reads r until ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// syncDir flushes dir's entries to disk, so that a rename into it survives a
// crash. Windows cannot open a directory for syncing; there it does nothing.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
