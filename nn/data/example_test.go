package data_test

import (
	"fmt"
	"log"
	"math"

	"gltrain/nn/data"
)

// The CS231n spiral: three arms of 100 points, from the origin out to the unit
// circle.
func ExampleSpiral() {
	s, err := data.Spiral(100, 3, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Len(), "points,", s.Features, "features,", s.Classes, "classes")
	for j := range s.Classes {
		first, _ := s.Row(100 * j)
		last, _ := s.Row(100*j + 99)
		fmt.Printf("arm %d: radius %.2f to %.2f\n", j,
			math.Hypot(float64(first[0]), float64(first[1])),
			math.Hypot(float64(last[0]), float64(last[1])))
	}
	// Output:
	// 300 points, 2 features, 3 classes
	// arm 0: radius 0.00 to 1.00
	// arm 1: radius 0.00 to 1.00
	// arm 2: radius 0.00 to 1.00
}

// Mini-batches for two epochs of 10 samples in batches of 4: a new order each
// epoch, and a short last batch.
func ExampleBatcher() {
	b := data.NewBatcher(10, 4, 1)
	fmt.Println(b.Batches(), "batches per epoch")
	for e := range 2 {
		seen := 0
		for _, batch := range b.Epoch(e) {
			fmt.Print(len(batch), " ")
			seen += len(batch)
		}
		fmt.Println("=", seen)
	}
	b.DropLast = true
	fmt.Println(b.Batches(), "batches with DropLast")
	// Output:
	// 3 batches per epoch
	// 4 4 2 = 10
	// 4 4 2 = 10
	// 2 batches with DropLast
}

// Standardise with statistics from the training split only.
func ExampleStandardizer() {
	s, err := data.Generate("moons", 1)
	if err != nil {
		log.Fatal(err)
	}
	train, val, err := s.Split(0.2, 7)
	if err != nil {
		log.Fatal(err)
	}
	st, err := data.FitStandardizer(train)
	if err != nil {
		log.Fatal(err)
	}
	if train, err = st.Apply(train); err != nil {
		log.Fatal(err)
	}
	if val, err = st.Apply(val); err != nil {
		log.Fatal(err)
	}
	fmt.Println(train.Len(), "training,", val.Len(), "validation samples")
	// Output:
	// 240 training, 60 validation samples
}
