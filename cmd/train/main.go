// Command train trains a neural network with gltrain, on the GPU through
// OpenGL 4.3 compute shaders or on the CPU.
//
// With no flags it trains a 2-layer ReLU net on the spiral data set of the
// course notes, on the GL backend when an OpenGL 4.3 context can be made
// (else the CPU, saying why), and writes a decision-boundary picture, the
// loss and accuracy curves and metrics.jsonl (a JSON object per epoch) into
// a new run folder, runs/spiral-<YYYYmmdd-HHMMSS>:
//
//	go run ./cmd/train
//
// MNIST, with a checkpoint:
//
//	go run ./cmd/train -data=mnist -hidden=256 -opt=adam -lr=1e-3 -epochs=5 -batch=128 -save=mnist.safetensors
//	go run ./cmd/train -data=mnist -load=mnist.safetensors -eval
//
// Your own data, a CSV file of numeric features and a label column:
//
//	go run ./cmd/train -data=iris.csv -label-col=5 -hidden=16
//
// A regression on real-valued target columns (mse, l1, huber; bce for
// multi-label 0/1 columns), scored by MAE, RMSE and R²:
//
//	go run ./cmd/train -data=boston_house_prices.csv -loss=mse -label-col=MEDV -layers=64
//
// Exit status: 0 on success, 1 when training or loading fails (no GL
// context with -backend=gl, unreadable data, a loss that diverges, a write
// to stdout that fails), 2 for a bad flag value (an unknown flag, with the
// closest name; a -plot, -save or -out path that cannot be written, or that
// names an input or another output, found before training), 130 when
// interrupted by SIGINT, SIGTERM or SIGHUP (after saving, with -save, once a
// training step has run: an untrained model is never written over a
// checkpoint). A loss that does not fit the data exits with 2 too: a
// regression loss on class labels, class labels that are real numbers, bce
// targets outside [0, 1].
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() { os.Exit(mainCode()) }

// mainCode runs the command on the process's arguments and returns its exit
// status.
func mainCode() int {
	// Closing the terminal (SIGHUP) or a kill (SIGTERM) saves as Ctrl-C does.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		// Once interrupted, a write to a closed pipe (a tee that died with
		// the terminal) must fail rather than kill the process mid-save.
		<-ctx.Done()
		signal.Ignore(syscall.SIGPIPE)
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	return code
}
