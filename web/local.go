package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"hallq/account"

	"hallq/hall"
	"hallq/hall/store"
	"hallq/queue"
)

// LocalHandler serves the hall's local control socket (DATA/hallq.sock, mode
// 0600): the command line uses it to add users and devices and take backups
// while the server holds the database. Whoever can open the socket file is
// the hall PC's administrator, so it needs no other authentication.
//
//	POST /users   {"name","password","role","display","staff_no"} → 201
//	POST /users/unlock {"name"}                                      → 200 {"locked"}
//	POST /devices {"name","kind","counter","printer"}               → 201 {"token", "pairing"}
//	POST /backup  {"file": "/absolute/path", "keep": N}             → 200 {"bytes", "segments", "copied", "damaged"}
//	POST /check                                                     → 200 store.Summary
//	POST /events  {"since": SEQ}                                    → 200 NDJSON
func LocalHandler(h *hall.Hall, f Features) http.Handler {
	acc := f.Account
	mux := http.NewServeMux()
	mux.HandleFunc("POST /users", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Name, Password, Role, Display string
			StaffNo                       string `json:"staff_no"`
		}
		if !localDecode(w, r, &req) {
			return
		}
		err := acc.AddUser(r.Context(), account.NewUser{Name: req.Name, Password: req.Password, Role: req.Role, Display: req.Display, StaffNo: req.StaffNo})
		localReply(w, http.StatusCreated, map[string]string{"user": req.Name}, err)
	})
	mux.HandleFunc("POST /users/unlock", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Name string }
		if !localDecode(w, r, &req) {
			return
		}
		locked, err := acc.Unlock(r.Context(), "local:hallq", req.Name)
		localReply(w, http.StatusOK, map[string]bool{"locked": locked}, err)
	})
	mux.HandleFunc("POST /devices", func(w http.ResponseWriter, r *http.Request) {
		var req account.NewDevice
		if !localDecode(w, r, &req) {
			return
		}
		tok, err := acc.AddDevice(r.Context(), req)
		out := map[string]string{"token": tok}
		if err == nil && devicePages[req.Kind] != "" {
			// A one-time code for a browser; the token itself is never a URL.
			if code, perr := acc.PairingForDevice(r.Context(), tok); perr == nil {
				out["pairing"] = "/pair/code/" + code
			}
		}
		localReply(w, http.StatusCreated, out, err)
	})
	mux.HandleFunc("POST /backup", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			File string
			Keep int
		}
		if !localDecode(w, r, &req) {
			return
		}
		res, err := f.Backup.Write(req.File, req.Keep) // a file, an archive or a backup directory (backup.WriteTo)
		damaged := make([]string, len(res.Damaged))
		for i, d := range res.Damaged {
			damaged[i] = d.Error()
		}
		localReply(w, http.StatusOK, map[string]any{"bytes": res.Bytes, "segments": res.Segments, "copied": res.Copied, "damaged": damaged}, err)
	})
	mux.HandleFunc("POST /check", func(w http.ResponseWriter, r *http.Request) {
		// The findings travel in the summary; hallq check prints them.
		sum, err := f.Health.Verify()
		if errors.Is(err, store.ErrDamaged) || errors.Is(err, store.ErrInconsistent) {
			err = nil
		}
		localReply(w, http.StatusOK, sum, err)
	})
	mux.HandleFunc("POST /events", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Since uint64 }
		if !localDecode(w, r, &req) {
			return
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		WriteEvents(h, f.Casework.Catalog, req.Since, w)
	})
	return mux
}

func localDecode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, BodyLimit)).Decode(v); err != nil {
		localReply(w, 0, nil, queue.Errorf(queue.EBADREQUEST, "malformed JSON"))
		return false
	}
	return true
}

func localReply(w http.ResponseWriter, status int, v any, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		var body apiError
		body.Error.Code, body.Error.Message = queue.ErrorCode(err), queue.ErrorMessage(err)
		if queue.ErrorCode(err) == queue.EINTERNAL {
			body.Error.Message = err.Error() // the local administrator sees the cause
		}
		w.WriteHeader(statusOf[body.Error.Code])
		json.NewEncoder(w).Encode(body)
		return
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
