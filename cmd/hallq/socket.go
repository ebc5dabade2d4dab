package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"
)

// SocketName is the running server's control socket in the data directory.
const SocketName = "hallq.sock"

// viaSocket sends a command to a hall server running on the data dir. ok is
// false when no server answers, so the caller opens the store itself.
func viaSocket(dir, path string, req, resp any) (ok bool, err error) {
	sock := filepath.Join(dir, SocketName)
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "unix", sock)
		},
	}}
	body, err := json.Marshal(req)
	if err != nil {
		return true, err
	}
	r, err := client.Post("http://hallq"+path, "application/json", bytes.NewReader(body))
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return false, nil
		}
		return true, fmt.Errorf("talk to the running hall: %w", err)
	}
	defer r.Body.Close()
	if r.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string }
		}
		json.NewDecoder(r.Body).Decode(&e)
		return true, errors.New(e.Error.Message)
	}
	if resp != nil {
		return true, json.NewDecoder(r.Body).Decode(resp)
	}
	return true, nil
}
