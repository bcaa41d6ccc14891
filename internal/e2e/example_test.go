package e2e

import "fmt"

func ExampleScratchDockerfile() {
	fmt.Print(ScratchDockerfile("fakebbb"))
	// Output:
	// FROM scratch
	// COPY fakebbb /fakebbb
	// USER 65534:65534
	// ENTRYPOINT ["/fakebbb"]
}
