// Package policies embeds the Casbin model and policy that decide who may do what.
// Role assignments (user, role, unit) live in the database; these files say what each
// role may do to which route.
package policies

import _ "embed"

// Model is RBAC with domains: a request is (subject, unit, route template, method).
//
//go:embed model.conf
var Model string

// Policy lists, per role, the routes it may use in any unit ("*") or its own.
//
//go:embed policy.csv
var Policy string
