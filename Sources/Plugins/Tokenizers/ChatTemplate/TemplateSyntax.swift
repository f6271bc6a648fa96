// The parsed form of a chat template: expressions and statements, each with its place in the text for errors.

/// A literal written in the template.
enum TemplateLiteral: Sendable {
    case none, bool(Bool), integer(Int), float(Double), string(String)
}

struct TemplateExpr: Sendable {
    indirect enum Kind: Sendable {
        case literal(TemplateLiteral)
        case name(String)
        case list([TemplateExpr])
        case tuple([TemplateExpr])
        case dict([(TemplateExpr, TemplateExpr)])
        case attribute(TemplateExpr, String)
        case `subscript`(TemplateExpr, TemplateExpr)
        case slice(TemplateExpr, start: TemplateExpr?, stop: TemplateExpr?, step: TemplateExpr?)
        case call(TemplateExpr, args: [TemplateExpr], kwargs: [(String, TemplateExpr)])
        case filter(TemplateExpr, name: String, args: [TemplateExpr], kwargs: [(String, TemplateExpr)])
        case test(TemplateExpr, name: String, args: [TemplateExpr], negated: Bool)
        /// `-x`, `+x`, `not x`.
        case unary(String, TemplateExpr)
        /// Arithmetic, `~`, comparisons, `in` and `not in`.
        case binary(String, TemplateExpr, TemplateExpr)
        case and(TemplateExpr, TemplateExpr)
        case or(TemplateExpr, TemplateExpr)
        /// `a if condition else b` (`else` optional: undefined).
        case conditional(condition: TemplateExpr, then: TemplateExpr, otherwise: TemplateExpr?)
    }
    var kind: Kind
    var position: TemplatePosition
}

/// What `{% set %}` and `{% for %}` assign to.
enum TemplateTarget: Sendable {
    case name(String)
    case names([String])
    /// `ns.attribute` on a namespace.
    case attribute(String, String)
}

indirect enum TemplateNode: Sendable {
    case text(String)
    case output(TemplateExpr)
    case ifs([(condition: TemplateExpr, body: [TemplateNode])], otherwise: [TemplateNode])
    case forLoop(target: TemplateTarget, iterable: TemplateExpr, filter: TemplateExpr?, body: [TemplateNode],
                 otherwise: [TemplateNode], position: TemplatePosition)
    case set(TemplateTarget, TemplateExpr, position: TemplatePosition)
    case setBlock(String, [TemplateNode])
    case macro(TemplateMacro)
    case breakLoop(TemplatePosition)
    case continueLoop(TemplatePosition)
}

struct TemplateMacro: Sendable {
    var name: String
    var parameters: [(name: String, defaultValue: TemplateExpr?)]
    var body: [TemplateNode]
    var position: TemplatePosition
}
