package web_test

import (
	"net/url"
	"strconv"

	"github.com/redress-oversight/redress/internal/redress"
)

// warningForm is the thresholds form with every default, name set to value.
func warningForm(name, value string) url.Values {
	v := url.Values{}
	for _, d := range redress.WarningSettingDefs {
		v.Set(d.Name, strconv.Itoa(d.Default))
	}
	v.Set(name, value)
	return v
}
