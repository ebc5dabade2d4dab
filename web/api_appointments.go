package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"hallq/appointment"
	"hallq/privacy"
	"hallq/queue"
)

// Appointments (预约取号) — routes in Routes():
//
//	GET  /api/v1/appointments/services            public: bookable services, horizon, documents
//	GET  /api/v1/appointments/slots?service=&day= public: slots with places left
//	POST /api/v1/appointments                     public and people: book → 201
//	GET  /api/v1/appointments/:code?phone=        public with the phone; people without
//	POST /api/v1/appointments/:code/cancel        {"phone"}
//	POST /api/v1/appointments/:code/reschedule    {"phone", "day", "slot"}
//	POST /api/v1/appointments/check-in            kiosk and people: {"code"} or {"phone"}
//	GET  /api/v1/appointments?day=                people: a day's bookings
//	GET  /api/v1/appointments/settings            managers
//	PUT  /api/v1/appointments/settings            managers
//	GET  /api/v1/reports/appointments?from=&to=   managers: booked, checked in, no-show, waits

// publicAppointment masks the phone number.
func publicAppointment(a appointment.Appointment) appointment.Appointment {
	a.Phone = privacy.Phone(a.Phone)
	return a
}

type apptService struct {
	Prefix    string   `json:"prefix"`
	NameZH    string   `json:"name_zh"`
	NameEN    string   `json:"name_en"`
	Documents []string `json:"documents"`
	Slot      int      `json:"slot_minutes"`
}

type apptServices struct {
	HorizonDays  int           `json:"horizon_days"`
	EarlyMinutes int           `json:"early_minutes"`
	LateMinutes  int           `json:"late_minutes"`
	PhoneLimit   int           `json:"phone_limit"`
	Today        string        `json:"today"`
	Services     []apptService `json:"services"`
}

// bookableServices is what the booking page offers.
func (s *Server) bookableServices() (apptServices, error) {
	set, err := s.appts.Settings()
	if err != nil {
		return apptServices{}, err
	}
	out := apptServices{HorizonDays: set.HorizonDays, EarlyMinutes: set.EarlyMinutes, LateMinutes: set.LateMinutes,
		PhoneLimit: set.PhoneLimit, Today: s.hall.Now().In(s.hall.Location()).Format("2006-01-02"), Services: []apptService{}}
	snap, _ := s.hall.Snapshot()
	for _, sv := range snap.Services {
		if plan, ok := set.Plan(sv.Prefix); ok {
			docs := sv.Documents
			if docs == nil {
				docs = []string{}
			}
			out.Services = append(out.Services, apptService{Prefix: sv.Prefix, NameZH: sv.NameZH, NameEN: sv.NameEN, Documents: docs, Slot: plan.SlotMinutes})
		}
	}
	return out, nil
}

// apptServicesAPI: GET /api/v1/appointments/services.
func (s *Server) apptServicesAPI(c *fiber.Ctx) error {
	out, err := s.bookableServices()
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// apptSlots: GET /api/v1/appointments/slots?service=A&day=YYYY-MM-DD.
func (s *Server) apptSlots(c *fiber.Ctx) error {
	slots, err := s.appts.Slots(c.Query("service"), c.Query("day"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"service": c.Query("service"), "day": c.Query("day"), "slots": slots})
}

// apptBook: POST /api/v1/appointments → 201 booking (code, documents).
func (s *Server) apptBook(c *fiber.Ctx) error {
	var req appointment.BookRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	a, err := s.appts.Book(c.UserContext(), principal(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(publicAppointment(a))
}

// apptGet: GET /api/v1/appointments/:code?phone=.
func (s *Server) apptGet(c *fiber.Ctx) error {
	a, err := s.appts.Get(principal(c), utils.CopyString(c.Params("code")), c.Query("phone"))
	if err != nil {
		return err
	}
	return c.JSON(publicAppointment(a))
}

type apptChange struct {
	Phone string `json:"phone"`
	Day   string `json:"day"`
	Slot  string `json:"slot"`
}

// apptCancel: POST /api/v1/appointments/:code/cancel {"phone"}.
func (s *Server) apptCancel(c *fiber.Ctx) error {
	var req apptChange
	if err := decodeOptional(c, &req); err != nil {
		return err
	}
	a, err := s.appts.Cancel(c.UserContext(), principal(c), utils.CopyString(c.Params("code")), req.Phone)
	if err != nil {
		return err
	}
	return c.JSON(publicAppointment(a))
}

// apptReschedule: POST /api/v1/appointments/:code/reschedule {"phone","day","slot"}.
func (s *Server) apptReschedule(c *fiber.Ctx) error {
	var req apptChange
	if err := decode(c, &req); err != nil {
		return err
	}
	a, err := s.appts.Reschedule(c.UserContext(), principal(c), utils.CopyString(c.Params("code")), req.Phone, req.Day, req.Slot)
	if err != nil {
		return err
	}
	return c.JSON(publicAppointment(a))
}

// apptCheckIn: POST /api/v1/appointments/check-in {"code"} or {"phone"} →
// 201 with the ticket when checked in, 200 with outcome early or late.
func (s *Server) apptCheckIn(c *fiber.Ctx) error {
	var req appointment.CheckInRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	r, err := s.appts.CheckIn(c.UserContext(), principal(c), req)
	if err != nil {
		return err
	}
	r.Appointment = publicAppointment(r.Appointment)
	status := fiber.StatusOK
	if r.Ticket != nil {
		t := privacy.Ticket(*r.Ticket, privacy.Staff)
		r.Ticket = &t
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(r)
}

// apptList: GET /api/v1/appointments?day=YYYY-MM-DD (people).
func (s *Server) apptList(c *fiber.Ctx) error {
	day := c.Query("day")
	if day == "" {
		day = s.hall.Now().In(s.hall.Location()).Format("2006-01-02")
	}
	list, err := s.appts.List(day)
	if err != nil {
		return err
	}
	for i := range list {
		list[i] = publicAppointment(list[i])
	}
	return c.JSON(fiber.Map{"day": day, "appointments": list})
}

// apptSettings: GET /api/v1/appointments/settings (managers).
func (s *Server) apptSettings(c *fiber.Ctx) error {
	set, err := s.appts.Settings()
	if err != nil {
		return err
	}
	return c.JSON(set)
}

// apptPutSettings: PUT /api/v1/appointments/settings (managers).
func (s *Server) apptPutSettings(c *fiber.Ctx) error {
	var set appointment.Settings
	if err := decode(c, &set); err != nil {
		return err
	}
	out, err := s.appts.SetSettings(c.UserContext(), principal(c), set)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// apptReport: GET /api/v1/reports/appointments?from=&to= (managers).
func (s *Server) apptReport(c *fiber.Ctx) error {
	from, to := c.Query("from"), c.Query("to")
	if from == "" || to == "" {
		return queue.Err(queue.EINVALID, "err.web.give_from_and_to_yyyy")
	}
	f, err := s.appts.Figures(from, to)
	if err != nil {
		return err
	}
	return c.JSON(f)
}
