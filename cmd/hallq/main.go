// Command hallq runs a power-supply business hall's queue. See README.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	_ "time/tzdata" // the hall's time zone works on machines without zoneinfo

	_ "hallq/i18n" // the engine's errors (queue.Err) get their texts from the catalog that i18n registers in its init
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Dispatch(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "hallq:", err)
		os.Exit(1)
	}
}
