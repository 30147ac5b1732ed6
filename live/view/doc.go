// Package view is train -view: a native window (GLFW, OpenGL 3.3 core) that
// shows a run while it trains, from its live.Hub, and sends the hub its
// controls.
//
// It shows, for a 2-D data set, the decision map (the model's class over a
// grid of at least 200×200 cells, each shaded by the model's confidence
// there; see Shade) with the training points (filled) and validation points
// (hollow) over it; for other data, the validation confusion matrix, and for
// images a strip of misclassified validation images with their labels and
// the first convolution layer's filters; and always the loss and accuracy
// curves against the optimiser step (the loss alone for regression and
// text, which measure no accuracy; a long curve is drawn through each pixel
// column's least and greatest value, so its spikes show), the run's state
// and the keys:
//
//	space      pause / resume
//	s, →       one optimiser step (then paused)
//	+, -       speed: steps per frame, doubled or halved
//	r          restart from epoch 1 with a new seed
//	p          screenshot, gltrain-view-epochN.png in the run folder (written atomically)
//	Esc, q, closing the window: stop, as Ctrl-C does (the checkpoint is kept)
//
// # Threads and contexts
//
// GLFW must run on the process's main thread, so cmd/train's main goroutine
// (locked to the main thread from init) opens the window and runs Run, and
// training runs in another goroutine. The GL backend computes in its own
// headless EGL context, owned by its own goroutine; a context cannot be
// current on two threads, and an EGL context cannot share objects with a
// GLX (GLFW) one. The choice made here is to copy a small finished result
// across rather than compute in the window's context (which would hand the
// backend's command stream to the main thread and tie training to the
// window's frames):
//
//   - The trainer evaluates the decision map between optimiser steps on the
//     training backend, at most every 100 ms and in at most a tenth of the
//     time, and after the last epoch (cmd/train's publisher): on
//     the GL backend the model runs the grid on the device and the device
//     reduces it to each cell's class and probability (nn.Confidence), so
//     that only those cross to the host: two floats a cell, 320 KB for
//     200×200 (the network's outputs, K floats a cell, never do). On the
//     CPU backend the same is computed on the host.
//   - The window uploads them as two textures (R8UI classes, R32F
//     probabilities: 5 bytes a cell) and its fragment shader colours the
//     cells as it draws them: the picture itself is made on the window's
//     GPU.
//
// The view reads only what the hub publishes and never waits on the
// trainer; the trainer's steps between two boundary evaluations do not
// wait on the window.
//
// The window redraws when the hub's state changes or on input, at most
// every 100 ms (the decision map changes at most that often) and in at
// most a tenth of the time, and it polls the hub once a frame rather than
// being woken by each update, so that on a software renderer (Mesa's
// llvmpipe, under Xvfb) drawing takes little of the CPU from training.
package view
