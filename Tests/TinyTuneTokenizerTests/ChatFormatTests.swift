import Testing
@testable import TinyTunePlugins

/// The built-in chat formats, checked against the strings the official templates render and against the real
/// Gemma 3 vocabulary's control tokens.
@Suite("Built-in chat formats")
struct ChatFormatTests {
    let conversation = [ChatMessage(role: "system", content: "Be brief."),
                        ChatMessage(role: "user", content: " What is 2 + 2? "),
                        ChatMessage(role: "assistant", content: "4")]

    @Test func gemma() throws {
        let text = ChatFormat.gemma.render(conversation, addGenerationPrompt: true)
        #expect(text == "<bos><start_of_turn>user\nBe brief.\n\nWhat is 2 + 2?<end_of_turn>\n"
                + "<start_of_turn>model\n4<end_of_turn>\n<start_of_turn>model\n")
        let tokenizer = try TokenizerFixtures.gemma()
        #expect(ChatFormat.detect(tokenizer.vocabulary) == .gemma)
        let ids = tokenizer.encode(text, addSpecialTokens: false, parseSpecial: true)
        #expect(ids.first == 2)                                   // <bos>
        #expect(ids.filter { $0 == 105 }.count == 3)              // <start_of_turn>
        #expect(ids.filter { $0 == 106 }.count == 2)              // <end_of_turn>
        #expect(try tokenizer.decode(ids) == text)
    }

    @Test func chatmlAndLlama3() throws {
        #expect(ChatFormat.chatml.render(Array(conversation.dropFirst()), addGenerationPrompt: true)
                == "<|im_start|>user\n What is 2 + 2? <|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n"
                + "<|im_start|>assistant\n")
        #expect(ChatFormat.llama3.render([conversation[1]], addGenerationPrompt: true)
                == "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2 + 2?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n")
        let qwen = try TokenizerFixtures.tokenizer("qwen2")
        #expect(ChatFormat.detect(qwen.vocabulary) == .chatml)
        let ids = qwen.encode(ChatFormat.chatml.render([conversation[1]], addGenerationPrompt: true),
                              addSpecialTokens: false, parseSpecial: true)
        #expect(ids.first == 151644)                              // <|im_start|>
    }
}
