package dev.forkd.shared;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ProcStatusTest {
    private static final String STATUS = "Name:\tjava\nUmask:\t0022\nState:\tS (sleeping)\nVmPeak:\t 3000000 kB\nVmRSS:\t   44432 kB\nRssAnon:\t   30000 kB\n";

    @Test
    void vmRssIsReadInBytes() {
        assertEquals(OptionalLong.of(44432L * 1024), ProcStatus.rssBytes(STATUS));
    }

    @Test
    void aStatusWithoutVmRssOrWithAnOddOneGivesNothing() {
        // a kernel thread has no VmRSS line
        assertEquals(OptionalLong.empty(), ProcStatus.rssBytes("Name:\tkthreadd\nState:\tS (sleeping)\n"));
        assertEquals(OptionalLong.empty(), ProcStatus.rssBytes("VmRSS:\t12 MB\n"));
        assertEquals(OptionalLong.empty(), ProcStatus.rssBytes("VmRSS:\t-5 kB\n"));
        assertEquals(OptionalLong.empty(), ProcStatus.rssBytes("VmRSS:\n"));
        assertEquals(OptionalLong.empty(), ProcStatus.rssBytes("VmRSS:\t99999999999999999999 kB\n"), "no overflow");
    }
}
