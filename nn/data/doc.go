// Package data holds the labelled data sets gltrain trains on, and the host-side
// plumbing around them:
//
//   - Set, a row-major N×Features matrix of float32 features with one class
//     label per row, or real-valued targets (Targets, Outputs per row) for a
//     regression or multi-label set, with Validate, Split (seeded
//     train/validation split) and Subset;
//   - Standardizer, the per-feature mean and standard deviation fitted on the
//     training split only and applied to every split;
//   - Batcher, a seeded mini-batch iterator: a fresh permutation per epoch,
//     a function of (seed, epoch) alone;
//   - generators of 2-D sets that no line can separate: Spiral (the CS231n
//     case study), Circles and Moons (as scikit-learn makes them) and XOR, and
//     Generate, which picks one by name;
//   - MNIST from its IDX files (ReadIDX, LoadMNIST) and a verified download
//     (Fetch, EnsureMNIST);
//   - CSV files of the user's own data (LoadCSV, ParseCSV), with class
//     labels or real-valued target columns (CSVOptions.Real, Targets), and
//     scikit-learn's count line before the header.
//
// # Randomness
//
// Everything random is drawn from backend.NewRand(seed), a PCG generator whose
// output is specified, so a seed names the same data set, split and batch
// order on every machine.
//
// # Errors
//
// User input (files, sizes, names) never causes a panic: every failure is an
// error that names the file, line or argument and what is wrong, as are an
// index out of range (Row, Subset) and a standardizer of another width
// (Apply). The one panic documented (NewBatcher of a negative count) is for
// a broken invariant of the caller's own program.
package data
