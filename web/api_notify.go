package web

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"hallq/notify"
	"hallq/privacy"
	"hallq/queue"
)

// The gateway notifier's console (notify.Service): settings, a test
// message, the dead-letter list with retry and dismiss (managers).

func (s *Server) notifier() (*notify.Service, error) {
	if s.opt.Notify == nil {
		return nil, queue.Err(queue.ENOTFOUND, "err.web.the_gateway_notifier_is_not")
	}
	return s.opt.Notify, nil
}

// notifySettingsJSON is the settings as the console sees them: the secret
// is never sent back, only whether one is set.
type notifySettingsJSON struct {
	notify.Settings
	SecretSet bool `json:"secret_set"`
}

func maskNotify(set notify.Settings) notifySettingsJSON {
	out := notifySettingsJSON{Settings: set, SecretSet: set.Secret != ""}
	out.Secret = ""
	return out
}

// getNotify: GET /api/v1/notify/settings.
func (s *Server) getNotify(c *fiber.Ctx) error {
	n, err := s.notifier()
	if err != nil {
		return err
	}
	return c.JSON(maskNotify(n.Settings()))
}

// putNotify: PUT /api/v1/notify/settings; an empty secret keeps the one set.
func (s *Server) putNotify(c *fiber.Ctx) error {
	n, err := s.notifier()
	if err != nil {
		return err
	}
	var req notify.Settings
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Secret == "" {
		req.Secret = n.Settings().Secret
	}
	if err := n.SaveSettings(req); err != nil {
		if queue.ErrorCode(err) == queue.EINVALID {
			return err // a refused setting, with its catalog key
		}
		return queue.Errorf(queue.EINVALID, "%s", err.Error())
	}
	s.log.Info("notify settings changed", "by", principal(c).Actor(), "url", req.URL)
	return c.JSON(maskNotify(n.Settings()))
}

// testNotify: POST /api/v1/notify/test sends a test message.
func (s *Server) testNotify(c *fiber.Ctx) error {
	n, err := s.notifier()
	if err != nil {
		return err
	}
	if n.Settings().URL == "" {
		return queue.Err(queue.EINVALID, "err.web.set_the_gateway_url_first")
	}
	now := s.hall.Now()
	n.Enqueue(notify.Message{ID: fmt.Sprintf("test-%d", now.UnixNano()), Kind: notify.KindTest, At: now,
		Hall: s.hall.Config().NameZH, Text: "hallq 通知网关测试", TextEN: "hallq gateway test"})
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"queued": true})
}

// listDead: GET /api/v1/notify/dead.
func (s *Server) listDead(c *fiber.Ctx) error {
	n, err := s.notifier()
	if err != nil {
		return err
	}
	return c.JSON(maskDead(n.DeadLetters()))
}

func maskDead(list []notify.DeadLetter) []notify.DeadLetter {
	out := make([]notify.DeadLetter, len(list))
	for i, d := range list {
		d.Message.Phone = privacy.Phone(d.Message.Phone)
		out[i] = d
	}
	return out
}

// deadAction: POST /api/v1/notify/dead/{id}/retry|dismiss.
func (s *Server) deadAction(c *fiber.Ctx) error {
	n, err := s.notifier()
	if err != nil {
		return err
	}
	id := c.Params("id")
	switch c.Params("action") {
	case "retry":
		err = n.Retry(id)
	case "dismiss":
		err = n.Dismiss(id)
	default:
		return queue.Err(queue.ENOTFOUND, "err.web.no_such_action")
	}
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"ok": true, "at": time.Now().UTC()})
}
