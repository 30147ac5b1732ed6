package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// mirror is a test HTTP server serving files under /good/, and misbehaving
// under /missing/ (404), /wrong/ (other content) and /stall/ (sends a few
// bytes, then waits for the client to give up).
type mirror struct {
	*httptest.Server
	files    map[string][]byte
	requests atomic.Int32
	stalled  chan struct{} // closed when a /stall/ request has sent its first bytes
}

func newMirror(t *testing.T, files map[string][]byte) *mirror {
	m := &mirror{files: files, stalled: make(chan struct{})}
	var once atomic.Bool
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.requests.Add(1)
		dir, name := filepath.Split(r.URL.Path)
		body, ok := m.files[name]
		switch {
		case !ok || dir == "/missing/":
			http.NotFound(w, r)
		case dir == "/good/":
			w.Write(body)
		case dir == "/wrong/":
			w.Write(append([]byte("tampered "), body...))
		case dir == "/stall/":
			w.Write(body[:1])
			w.(http.Flusher).Flush()
			if once.CompareAndSwap(false, true) {
				close(m.stalled)
			}
			<-r.Context().Done()
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(m.Close)
	return m
}

// testFiles returns two small files and their File descriptions.
func testFiles() (map[string][]byte, []File) {
	content := map[string][]byte{"a.gz": []byte("first file"), "b.gz": bytes.Repeat([]byte("second "), 1000)}
	var files []File
	for _, name := range []string{"a.gz", "b.gz"} {
		sum := sha256.Sum256(content[name])
		files = append(files, File{Name: name, SHA256: hex.EncodeToString(sum[:])})
	}
	return content, files
}

// dirNames lists dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestFetch(t *testing.T) {
	content, files := testFiles()
	for i, tc := range []struct {
		name    string
		mirrors []string // paths on the test server
		log     string   // a line the log must hold
	}{
		{"first mirror good", []string{"/good/"}, "SHA-256 verified"},
		{"404 then good", []string{"/missing/", "/good"}, "/missing/a.gz: HTTP 404 Not Found"},
		{"wrong hash then good", []string{"/wrong/", "/good/"}, "/wrong/a.gz: SHA-256 "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMirror(t, content)
			var mirrors []string
			for _, p := range tc.mirrors {
				mirrors = append(mirrors, m.URL+p)
			}
			dir := filepath.Join(t.TempDir(), "cache") // created by Fetch
			var log bytes.Buffer
			if err := Fetch(context.Background(), dir, files, mirrors, m.Client(), &log); err != nil {
				t.Fatalf("%d: %v", i, err)
			}
			if !strings.Contains(log.String(), tc.log) {
				t.Errorf("%d: log lacks %q:\n%s", i, tc.log, log.String())
			}
			for name, want := range content {
				if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || !bytes.Equal(got, want) {
					t.Errorf("%d: %s: %q %v", i, name, got, err)
				}
			}
			if names := dirNames(t, dir); len(names) != 2 {
				t.Errorf("%d: directory holds %v, want only the two files", i, names)
			}
			// A second fetch finds both files and downloads nothing.
			before := m.requests.Load()
			log.Reset()
			if err := Fetch(context.Background(), dir, files, mirrors, m.Client(), &log); err != nil {
				t.Fatalf("%d: second fetch: %v", i, err)
			}
			if m.requests.Load() != before || strings.Count(log.String(), "present, SHA-256 verified") != 2 {
				t.Errorf("%d: second fetch made %d requests; log:\n%s", i, m.requests.Load()-before, log.String())
			}
		})
	}
}

// TestFetchKeepsOtherData: a file with the right name but another hash or
// size (Fashion-MNIST under MNIST's names, or a damaged copy) is never
// replaced by a download: Fetch fails naming it, and it is kept as it was.
// A download that finds a file put at its path meanwhile keeps it too.
func TestFetchKeepsOtherData(t *testing.T) {
	content, files := testFiles()
	m := newMirror(t, content)
	sized := files[0]
	sized.Size = int64(len(content["a.gz"]))
	for i, tc := range []struct {
		file        File
		other, want string
	}{
		{files[0], "first fil3", "SHA-256 "},
		{sized, "first fil3", "SHA-256 "},
		{sized, "other data, longer", "18 bytes, not 10"},
	} {
		dir := writeFiles(t, map[string][]byte{"a.gz": []byte(tc.other)})
		err := Fetch(context.Background(), dir, []File{tc.file}, []string{m.URL + "/good/"}, m.Client(), nil)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "a.gz")+" is not the file it should be ("+tc.want) || !strings.Contains(err.Error(), "not replaced") {
			t.Errorf("%d: error %v", i, err)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, "a.gz")); string(got) != tc.other {
			t.Errorf("%d: other data replaced: %q", i, got)
		}
		if names := dirNames(t, dir); len(names) != 1 {
			t.Errorf("%d: left %v", i, names)
		}
	}
	dir := writeFiles(t, map[string][]byte{"a.gz": []byte("appeared")})
	path := filepath.Join(dir, "a.gz")
	if _, err := download(context.Background(), m.Client(), m.URL+"/good/a.gz", path, files[0].SHA256, 0); !errors.Is(err, fs.ErrExist) {
		t.Errorf("download over a file that appeared: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "appeared" {
		t.Errorf("a file that appeared during the download was replaced: %q", got)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("download left %v", names)
	}
}

// TestFetchRefusesNonRegular: a FIFO, a link to /dev/zero, a file far larger
// than the one expected (sparse, 1 TiB) and a directory under a file's name
// are refused at once, without reading them, naming the path; hashing a file
// of unknown size stops when the context is done. None is replaced.
func TestFetchRefusesNonRegular(t *testing.T) {
	content, files := testFiles()
	m := newMirror(t, content)
	sized := files[0]
	sized.Size = int64(len(content["a.gz"]))
	dir := t.TempDir()
	path := filepath.Join(dir, "a.gz")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for i, tc := range []struct {
		make func() error
		file File
		ctx  context.Context
		want string
	}{
		{func() error { return syscall.Mkfifo(path, 0o644) }, files[0], context.Background(), "a FIFO (named pipe): not a regular file"},
		{func() error { return os.Symlink("/dev/zero", path) }, files[0], context.Background(), "a character device: not a regular file"},
		{func() error { return os.Mkdir(path, 0o755) }, files[0], context.Background(), "a directory: not a regular file"},
		{func() error { return sparse(path, 1<<40) }, sized, context.Background(), "1099511627776 bytes, not 10"},
		{func() error { return sparse(path, 1<<40) }, files[0], cancelled, context.Canceled.Error()},
	} {
		os.RemoveAll(path)
		if err := tc.make(); err != nil {
			t.Skipf("%d: %v", i, err)
		}
		done := make(chan error, 1)
		go func() { done <- Fetch(tc.ctx, dir, []File{tc.file}, []string{m.URL + "/good/"}, m.Client(), nil) }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("%d: error %v, want one naming %s and containing %q", i, err, path, tc.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%d: Fetch hangs", i)
		}
		if fi, err := os.Lstat(path); err != nil || fi.Mode().IsRegular() && fi.Size() == int64(len(content["a.gz"])) {
			t.Errorf("%d: replaced: %v", i, err)
		}
	}
}

// sparse makes a sparse file of size bytes at path.
func sparse(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Truncate(size)
}

// TestFetchFails checks that when every mirror fails the error lists each
// one with its reason, and no file is left behind.
func TestFetchFails(t *testing.T) {
	content, files := testFiles()
	m := newMirror(t, content)
	dir := t.TempDir()
	err := Fetch(context.Background(), dir, files, []string{m.URL + "/missing/", m.URL + "/wrong/"}, m.Client(), nil)
	if err == nil {
		t.Fatal("no error")
	}
	for i, want := range []string{
		"fetch a.gz: every mirror failed:",
		m.URL + "/missing/a.gz: HTTP 404 Not Found",
		m.URL + "/wrong/a.gz: SHA-256 ",
		", want " + files[0].SHA256 + " (19 bytes received)",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%d: error %q lacks %q", i, err, want)
		}
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("failed fetch left %v behind", names)
	}
}

// TestFetchCancel cancels the context while a download is under way.
func TestFetchCancel(t *testing.T) {
	content, files := testFiles()
	m := newMirror(t, content)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-m.stalled
		cancel()
	}()
	err := Fetch(ctx, dir, files, []string{m.URL + "/stall/", m.URL + "/good/"}, m.Client(), nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("cancelled fetch left %v behind", names)
	}
	// Cancelled before it starts: nothing is fetched, not even from a good mirror.
	if err := Fetch(ctx, dir, files, []string{m.URL + "/good/"}, m.Client(), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("fetch with a cancelled context: %v", err)
	}
}

func TestFetchBadInput(t *testing.T) {
	for i, tc := range []struct {
		name    string
		files   []File
		mirrors []string
		want    string
	}{
		{"path in name", []File{{Name: "../x.gz", SHA256: strings.Repeat("0", 64)}}, []string{"http://127.0.0.1:1/"}, `"../x.gz" is not a plain file name`},
		{"bad hash", []File{{Name: "x.gz", SHA256: "abc"}}, []string{"http://127.0.0.1:1/"}, `SHA-256 "abc" is not 64 hex digits`},
		{"no mirrors", []File{{Name: "x.gz", SHA256: strings.Repeat("0", 64)}}, nil, "no mirrors"},
		{"bad mirror URL", []File{{Name: "x.gz", SHA256: strings.Repeat("0", 64)}}, []string{"http://[::1"}, "http://[::1: parse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Fetch(context.Background(), t.TempDir(), tc.files, tc.mirrors, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%d: error %v, want one containing %q", i, err, tc.want)
			}
		})
	}
}

// TestEnsureMNISTCancelled runs the default path without touching the
// network: with a cancelled context no request leaves.
func TestEnsureMNISTCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	if err := EnsureMNIST(ctx, dir, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("left %v behind", names)
	}
}

func TestDefaultMNISTDir(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/tmp/cachehome")
	t.Setenv("HOME", "/home/someone")
	dir, err := DefaultMNISTDir()
	if err != nil {
		t.Skipf("no user cache directory here: %v", err)
	}
	if !strings.HasSuffix(dir, filepath.Join("gltrain", "mnist")) {
		t.Errorf("DefaultMNISTDir() = %q, want …/gltrain/mnist", dir)
	}
}

// TestLoadRealMNIST loads MNIST from the default cache when it is there.
func TestLoadRealMNIST(t *testing.T) {
	dir, err := DefaultMNISTDir()
	if err != nil {
		t.Skip(err)
	}
	for i, tc := range []struct {
		train bool
		n     int
	}{{true, 60000}, {false, 10000}} {
		s, err := LoadMNIST(dir, tc.train)
		if errors.Is(err, os.ErrNotExist) {
			t.Skipf("MNIST not in %s", dir)
		}
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if s.Len() != tc.n {
			t.Errorf("%d: %d samples, want %d", i, s.Len(), tc.n)
		}
	}
}
