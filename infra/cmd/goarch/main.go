// Command goarch prints the GOARCH that the Lambda bootstrap binaries are
// built for, so the Makefile and the CDK stack read the same constant.
package main

import (
	"fmt"

	"github.com/yourang/yourang/infra/lambdaarch"
)

func main() {
	fmt.Println(lambdaarch.GOARCH)
}
