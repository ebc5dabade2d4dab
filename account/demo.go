package account

import (
	"context"
	"fmt"

	"hallq/hall"
)

// DemoAccount is a demo person with their password.
type DemoAccount struct {
	User     string `json:"user"`
	Password string `json:"password"`
	Role     string `json:"role"`
	Counter  int    `json:"counter,omitempty"`
}

// DemoDevice is a demo device with its token.
type DemoDevice struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Counter int    `json:"counter,omitempty"`
	Token   string `json:"token"`
}

// Demo lists the demo accounts and devices of a --demo hall.
type Demo struct {
	Accounts []DemoAccount `json:"accounts"`
	Devices  []DemoDevice  `json:"devices"`
}

var demoClerks = []struct{ name, display, staff string }{
	{"clerk1", "王丽", "GD1001"}, {"clerk2", "李强", "GD1002"}, {"clerk3", "张敏", "GD1003"},
	{"clerk4", "刘洋", "GD1004"}, {"clerk5", "陈静", "GD1005"}, {"clerk6", "赵建国", "GD1006"},
}

// SeedDemo adds the demo accounts and devices once and returns them; on later
// starts it returns the ones it made then. Only for demonstration halls: the
// passwords are printed and kept.
func (s *Service) SeedDemo(ctx context.Context) (Demo, error) {
	var d Demo
	if found, err := s.st.GetMeta("demo", &d); err != nil || found {
		return d, err
	}
	add := func(u NewUser, counter int) error {
		if err := s.AddUser(ctx, u); err != nil {
			return fmt.Errorf("demo user %s: %w", u.Name, err)
		}
		d.Accounts = append(d.Accounts, DemoAccount{User: u.Name, Password: u.Password, Role: u.Role, Counter: counter})
		return nil
	}
	if err := add(NewUser{Name: "admin", Password: "admin-demo", Role: hall.RoleAdmin, Display: "系统管理员"}, 0); err != nil {
		return d, err
	}
	if err := add(NewUser{Name: "manager", Password: "manager-demo", Role: hall.RoleManager, Display: "周主任", StaffNo: "GD0001"}, 0); err != nil {
		return d, err
	}
	for i, c := range demoClerks {
		if err := add(NewUser{Name: c.name, Password: c.name + "-demo", Role: hall.RoleClerk, Display: c.display, StaffNo: c.staff}, i+1); err != nil {
			return d, err
		}
	}
	dev := func(nd NewDevice) error {
		tok, err := s.AddDevice(ctx, nd)
		if err != nil {
			return fmt.Errorf("demo device %s: %w", nd.Name, err)
		}
		d.Devices = append(d.Devices, DemoDevice{Name: nd.Name, Kind: nd.Kind, Counter: nd.Counter, Token: tok})
		return nil
	}
	if err := dev(NewDevice{Name: "取号机1", Kind: hall.KindKiosk}); err != nil {
		return d, err
	}
	if err := dev(NewDevice{Name: "综合屏", Kind: hall.KindDisplay}); err != nil {
		return d, err
	}
	for n := 1; n <= len(demoClerks); n++ {
		if err := dev(NewDevice{Name: fmt.Sprintf("%d号窗口屏", n), Kind: hall.KindCounter, Counter: n}); err != nil {
			return d, err
		}
		if err := dev(NewDevice{Name: fmt.Sprintf("%d号评价器", n), Kind: hall.KindKeypad, Counter: n}); err != nil {
			return d, err
		}
	}
	return d, s.st.PutMeta("demo", d)
}
