// Built at test time with `go build` and run both through the kernel and
// through uexec; the output must be identical.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
)

func main() {
	fmt.Printf("args=%q\n", os.Args)
	fmt.Printf("TEST_VAR=%q\n", os.Getenv("UEXEC_TEST_VAR"))
	var wg sync.WaitGroup
	results := make([]int, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s := 0
			for j := 0; j <= i*1000; j++ {
				s += j
			}
			results[i] = s
		}(i)
	}
	wg.Wait()
	fmt.Println("results", results)
	runtime.GC()
	fmt.Fprintln(os.Stderr, "hello on stderr")
	os.Exit(3)
}
