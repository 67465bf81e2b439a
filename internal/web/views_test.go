package web

import (
	"fmt"
	"html/template"
	"reflect"
	"strings"
	"testing"
	"text/template/parse"
)

// TestViewsHoldWhatTemplatesName checks every field and method a page's templates name
// against the view type it is executed with, on every branch: a name the view lacks
// would otherwise fail only when a request reaches that branch.
func TestViewsHoldWhatTemplatesName(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range views {
		name := v.template()
		c := &viewCheck{set: pages[name], seen: map[string]bool{}}
		c.walkTemplate("layout", reflect.TypeOf(v))
		for _, e := range c.errs {
			t.Errorf("%s (%T): %s", name, v, e)
		}
	}
}

// viewCheck walks a template's parse tree keeping the type of dot and of each variable;
// nil is a type it cannot know (the result of a function), whose names go unchecked.
type viewCheck struct {
	set  *template.Template
	seen map[string]bool
	errs []string
	vars []map[string]reflect.Type
}

func (c *viewCheck) walkTemplate(name string, dot reflect.Type) {
	key := fmt.Sprint(name, dot)
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	t := c.set.Lookup(name)
	if t == nil || t.Tree == nil {
		c.errs = append(c.errs, "no template "+name)
		return
	}
	saved := c.vars
	c.vars = []map[string]reflect.Type{{"$": dot}}
	c.walk(t.Tree.Root, dot)
	c.vars = saved
}

func (c *viewCheck) walk(n parse.Node, dot reflect.Type) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		c.vars = append(c.vars, map[string]reflect.Type{})
		for _, m := range n.Nodes {
			c.walk(m, dot)
		}
		c.vars = c.vars[:len(c.vars)-1]
	case *parse.ActionNode:
		c.pipe(n.Pipe, dot)
	case *parse.IfNode:
		c.pipe(n.Pipe, dot)
		c.walk(n.List, dot)
		c.walk(n.ElseList, dot)
	case *parse.WithNode:
		inner := c.pipe(n.Pipe, dot)
		c.walk(n.List, inner)
		c.walk(n.ElseList, dot)
	case *parse.RangeNode:
		over := deref(c.pipe(n.Pipe, dot))
		var key, elem reflect.Type
		if over != nil {
			switch over.Kind() {
			case reflect.Slice, reflect.Array:
				key, elem = reflect.TypeOf(0), over.Elem()
			case reflect.Map:
				key, elem = over.Key(), over.Elem()
			}
		}
		c.vars = append(c.vars, map[string]reflect.Type{})
		switch len(n.Pipe.Decl) {
		case 1:
			c.vars[len(c.vars)-1][n.Pipe.Decl[0].Ident[0]] = elem
		case 2:
			c.vars[len(c.vars)-1][n.Pipe.Decl[0].Ident[0]] = key
			c.vars[len(c.vars)-1][n.Pipe.Decl[1].Ident[0]] = elem
		}
		c.walk(n.List, elem)
		c.vars = c.vars[:len(c.vars)-1]
		c.walk(n.ElseList, dot)
	case *parse.TemplateNode:
		arg := dot
		if n.Pipe != nil {
			arg = c.pipe(n.Pipe, dot)
		} else {
			arg = nil
		}
		if arg != nil {
			c.walkTemplate(n.Name, arg)
		}
	}
}

// pipe checks a pipeline and returns the type it yields; a declaration ($x := …) gives
// the variable that type. Range declares its own.
func (c *viewCheck) pipe(p *parse.PipeNode, dot reflect.Type) reflect.Type {
	if p == nil {
		return nil
	}
	var last reflect.Type
	for _, cmd := range p.Cmds {
		last = c.command(cmd, dot)
	}
	if len(p.Decl) == 1 && len(c.vars) > 0 {
		c.vars[len(c.vars)-1][p.Decl[0].Ident[0]] = last
	}
	return last
}

func (c *viewCheck) command(cmd *parse.CommandNode, dot reflect.Type) reflect.Type {
	for _, a := range cmd.Args[1:] {
		c.arg(a, dot)
	}
	switch first := cmd.Args[0].(type) {
	case *parse.IdentifierNode:
		switch first.Ident {
		case "index":
			if len(cmd.Args) > 2 {
				t := deref(c.arg(cmd.Args[1], dot))
				if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Map || t.Kind() == reflect.Array) {
					return t.Elem()
				}
			}
		case "or", "and":
			return c.arg(cmd.Args[1], dot)
		}
		return nil
	default:
		return c.arg(first, dot)
	}
}

func (c *viewCheck) arg(n parse.Node, dot reflect.Type) reflect.Type {
	switch n := n.(type) {
	case *parse.DotNode:
		return dot
	case *parse.FieldNode:
		return c.chain(dot, n.Ident, n.String())
	case *parse.VariableNode:
		return c.chain(c.lookup(n.Ident[0]), n.Ident[1:], n.String())
	case *parse.ChainNode:
		var t reflect.Type
		if p, ok := n.Node.(*parse.PipeNode); ok {
			t = c.pipe(p, dot)
		} else {
			t = c.arg(n.Node, dot)
		}
		return c.chain(t, n.Field, n.String())
	case *parse.PipeNode:
		return c.pipe(n, dot)
	case *parse.StringNode:
		return reflect.TypeOf("")
	}
	return nil
}

func (c *viewCheck) lookup(name string) reflect.Type {
	for i := len(c.vars) - 1; i >= 0; i-- {
		if t, ok := c.vars[i][name]; ok {
			return t
		}
	}
	return nil
}

// chain follows field and method names from t; a name t lacks is an error.
func (c *viewCheck) chain(t reflect.Type, names []string, where string) reflect.Type {
	for _, name := range names {
		if t == nil {
			return nil
		}
		if t.Kind() == reflect.Interface {
			return nil
		}
		if m, ok := t.MethodByName(name); ok {
			t = firstOut(m.Type)
			continue
		}
		if t.Kind() != reflect.Pointer {
			if m, ok := reflect.PointerTo(t).MethodByName(name); ok {
				t = firstOut(m.Type)
				continue
			}
		}
		s := deref(t)
		if s.Kind() == reflect.Map {
			t = s.Elem()
			continue
		}
		if s.Kind() == reflect.Struct {
			if f, ok := s.FieldByName(name); ok && f.IsExported() {
				t = f.Type
				continue
			}
		}
		c.errs = append(c.errs, fmt.Sprintf("%s: %s has no %s", where, t, name))
		return nil
	}
	return t
}

func firstOut(m reflect.Type) reflect.Type {
	if m.NumOut() == 0 {
		return nil
	}
	return m.Out(0)
}

func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// The check itself finds what it should: a view lacking a name the template uses.
func TestViewCheckFindsMissingNames(t *testing.T) {
	set := template.Must(template.New("layout").Parse(`{{define "layout"}}{{.Lang}}{{with .Staff}}{{.Nope}}{{end}}{{range .Switch}}{{.Href}}{{.Gone}}{{end}}{{$.T "x"}}{{$.Missing}}{{end}}`))
	c := &viewCheck{set: set, seen: map[string]bool{}}
	c.walkTemplate("layout", reflect.TypeOf(&homePage{}))
	got := strings.Join(c.errs, "\n")
	for _, want := range []string{"no Nope", "no Gone", "no Missing"} {
		if !strings.Contains(got, want) {
			t.Errorf("missed %q in %s", want, got)
		}
	}
	if len(c.errs) != 3 {
		t.Errorf("errors %q", c.errs)
	}
}
