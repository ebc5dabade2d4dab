package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	r, ok, err := postSocket(dir, path, req, 2*time.Minute)
	if !ok || err != nil {
		return ok, err
	}
	defer r.Body.Close()
	if resp != nil {
		return true, json.NewDecoder(r.Body).Decode(resp)
	}
	return true, nil
}

// socketStream is viaSocket for answers copied straight to w (no time
// limit: an export of years of events takes what it takes).
func socketStream(dir, path string, req any, w io.Writer) (ok bool, err error) {
	r, ok, err := postSocket(dir, path, req, 0)
	if !ok || err != nil {
		return ok, err
	}
	defer r.Body.Close()
	_, err = io.Copy(w, r.Body)
	return true, err
}

// postSocket posts req as JSON to path on the control socket in dir. ok is
// false when no server listens there. A refusal is returned as an error with
// the server's message; otherwise the caller reads and closes the answer.
func postSocket(dir, path string, req any, timeout time.Duration) (r *http.Response, ok bool, err error) {
	sock := filepath.Join(dir, SocketName)
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "unix", sock)
		},
	}}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, true, err
	}
	r, err = client.Post("http://hallq"+path, "application/json", bytes.NewReader(body))
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return nil, false, nil
		}
		return nil, true, fmt.Errorf("talk to the running hall: %w", err)
	}
	if r.StatusCode >= 300 {
		defer r.Body.Close()
		var e struct {
			Error struct{ Code, Message string }
		}
		if json.NewDecoder(r.Body).Decode(&e) != nil || e.Error.Message == "" {
			return nil, true, fmt.Errorf("the running hall answered %s", r.Status)
		}
		return nil, true, errors.New(e.Error.Message)
	}
	return r, true, nil
}
