// What an adapter will train on a model, before anything is attached: `tinytune plan`.

import TinyTune

/// The trainable parameters of an adapter family on a list of modules, with its groups: TinyLoRA's tying groups
/// (one vector v per group), or one group per module for families without tying.
///
///     let plan = AdapterPlan(family: tinyLoRA, modules: architecture.linearModules)
///     plan.trainableParameters   // 13 for u = 13, weight_tying = 1.0
public struct AdapterPlan: Sendable, Equatable {
    public struct Group: Sendable, Equatable {
        public let name: String
        public let modules: [String]
        public let parameters: Int
    }

    public let family: String
    public let trainableParameters: Int
    public let groups: [Group]
    public var bytesFloat32: Int { trainableParameters * AdapterParameterDType.float32.byteCount }
    public var bytesBFloat16: Int { trainableParameters * AdapterParameterDType.bfloat16.byteCount }

    /// `modules`: every linear module of the model; the family's `target_modules` picks among them.
    public init(family: any AdapterFamily, modules all: [LinearModule]) {
        let modules = all.filter { family.targetModules.matches($0.name) }
        self.family = (type(of: family) as? any Plugin.Type)?.typeName ?? "\(type(of: family))"
        trainableParameters = family.trainableParameterCount(for: modules)
        if let tiny = family as? TinyLoRA {
            groups = tiny.tyingGroups(for: modules).enumerated().map { g, members in
                Group(name: "tinylora_v.\(g)", modules: members.map { modules[$0].name }, parameters: tiny.options.u)
            }
        } else {
            groups = modules.map { Group(name: $0.name, modules: [$0.name], parameters: family.trainableParameterCount(for: [$0])) }
        }
    }

    /// `{"trainable_parameters", "bytes_f32", "bytes_bf16", "groups": [{"name", "modules", "parameters"}]}`.
    public var json: JSONValue {
        .object([
            ("trainable_parameters", .int(Int64(trainableParameters))),
            ("bytes_f32", .int(Int64(bytesFloat32))),
            ("bytes_bf16", .int(Int64(bytesBFloat16))),
            ("groups", .array(groups.map { g in
                .object([("name", .string(g.name)), ("modules", .array(g.modules.map { .string($0) })),
                         ("parameters", .int(Int64(g.parameters)))])
            })),
        ])
    }

    /// A short human-readable summary (modules are listed in ranges of consecutive names when there are many).
    public var text: String {
        var lines = ["\(family): \(trainableParameters) trainable parameters, \(bytesFloat32) bytes in f32, \(bytesBFloat16) in bf16",
                     "\(groups.count) group\(groups.count == 1 ? "" : "s"):"]
        for g in groups {
            let members = g.modules.count <= 3 ? g.modules.joined(separator: ", ")
                : "\(g.modules.count) modules, \(g.modules[0]) … \(g.modules[g.modules.count - 1])"
            lines.append("  \(g.name): \(g.parameters) parameters (\(members))")
        }
        return lines.joined(separator: "\n")
    }
}
