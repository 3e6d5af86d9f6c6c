package dev.replica.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Run-folder text is shown, not obeyed: terminal escapes and raw HTML from an edited file are escaped. */
class RunFolderTextTest {

    @Test
    void reportMarkdownShowsControlCharactersAndNoRawHtml() {
        String edited = "| res | 0.5 |\u001b[2J\n<img src=x onerror=alert(1)>";
        assertThat(Report.markdown(edited)).isEqualTo("| res | 0.5 |\\u001b[2J\n&lt;img src=x onerror=alert(1)>");
    }

    @Test
    void diffShowsControlCharactersOfBothSides() {
        KeyPaths.Difference d = new KeyPaths.Difference("name", "a\u001b]0;owned\u0007", "b\rc");
        assertThat(d.toString()).isEqualTo("name: a\\u001b]0;owned\\u0007 -> b\\u000dc");
    }
}
