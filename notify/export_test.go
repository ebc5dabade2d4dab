package notify

import "crypto/hmac"

// Verify reports whether sig is the signature of body at ts (constant time),
// as a receiver of the webhook checks it.
func Verify(secret string, ts int64, body []byte, sig string) bool {
	return hmac.Equal([]byte(Sign(secret, ts, body)), []byte(sig))
}

// Wait blocks until every enqueued message was delivered or buried.
func (s *Service) Wait() { s.idle.Wait() }
