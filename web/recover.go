package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"runtime/debug"

	"github.com/gofiber/fiber/v2"
)

// panicError is a recovered panic of a handler: an internal error with the
// id the log names it by.
type panicError struct {
	id  string
	val any
}

func (e *panicError) Error() string { return fmt.Sprintf("panic %s: %v", e.id, e.val) }

// errorID returns a short random id that ties a 500 answer to its log line.
func errorID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// recoverPanics turns a panic anywhere below it into a 500 with an error id
// (errorHandler), logged with its stack, so that no request can end the
// process. The hall's own locks are released by the hall (hall.exec).
func (s *Server) recoverPanics(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			id := errorID()
			s.reqs.mu.Lock()
			s.reqs.panics++
			s.reqs.mu.Unlock()
			s.log.Error("request panicked", "id", id, "method", c.Method(), "path", c.Path(),
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = &panicError{id: id, val: r}
		}
	}()
	return c.Next()
}

// internalID returns the id of an internal error: the recovered panic's, or
// a new one that errorHandler logs with the error.
func internalID(err error) string {
	if pe, ok := err.(*panicError); ok {
		return pe.id
	}
	return errorID()
}
