package dev.replica.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Stacks shaped as async-profiler gave them for DJL's PyTorch on this machine, each put in its part. */
class StepProfileTest {

    private static final String TRAIN = "[main tid=1];dev/replica/core/training/ModelTrainer.trainSteps_[j];"
            + "ai/djl/pytorch/jni/PyTorchLibrary.torchBackward_[0];";

    private static String part(String stack) {
        return StepProfile.part(List.of(stack.split(";")));
    }

    @Test
    void aJitKernelBelongsToThePrimitiveItsCallersName() {
        assertThat(part(TRAIN + "libtorch_cpu.so;dnnl::impl::parallel;[unknown]"))
                .as("a kernel under parallel, under no named primitive")
                .isEqualTo(StepProfile.ONEDNN);
        assertThat(part(TRAIN
                        + "dnnl::impl::cpu::x64::jit_avx2_convolution_fwd_t::execute_forward(exec_ctx_t const&);"
                        + "dnnl::impl::parallel;[unknown];[unknown]"))
                .isEqualTo(StepProfile.CONVOLUTION);
        assertThat(part(TRAIN + "dnnl::impl::cpu::x64::jit_uni_reorder_t::omp_driver_1d;[unknown]"))
                .isEqualTo(StepProfile.REORDER);
        assertThat(part(TRAIN + "dnnl::impl::cpu::x64::direct_copy_kernel_t<Xbyak::Ymm>::operator();[unknown]"))
                .isEqualTo(StepProfile.REORDER);
    }

    @Test
    void theLeafMostKnownFrameDecides() {
        assertThat(part(TRAIN + "at::native::batch_norm_cpu;dnnl::impl::parallel;clear_page_erms_[k]"))
                .as("a page fault in a kernel is the kernel's time")
                .isEqualTo(StepProfile.KERNEL);
        assertThat(part(TRAIN + "_ZN2at8internal15invoke_parallelIZNS_12parallel_forIZNS_6native12batch_norm"))
                .isEqualTo(StepProfile.ATEN);
        assertThat(part(TRAIN + "/root/.djl.ai/pytorch/2.7.1/libgomp-98b21ff3.so.1"))
                .isEqualTo(StepProfile.THREADS);
        assertThat(part(TRAIN + "at::empty;/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"))
                .isEqualTo(StepProfile.ALLOCATOR);
        assertThat(part(TRAIN + "__memcpy_avx512_unaligned_erms")).isEqualTo(StepProfile.COPIES);
        assertThat(part(TRAIN + "libfoo.so"))
                .as("a library nothing names: its caller's")
                .isEqualTo(StepProfile.DJL);
        assertThat(part("[tid=5];libfoo.so")).isEqualTo(StepProfile.OTHER);
        assertThat(part("[main tid=1];dev/replica/core/training/TrainingStep.start_[j]"))
                .isEqualTo(StepProfile.REPLICA);
        assertThat(part(TRAIN))
                .as("in DJL's JNI method, its native frames not walked")
                .isEqualTo(StepProfile.UNWOUND);
        assertThat(part("[tid=41];[unknown];[unknown]")).isEqualTo(StepProfile.UNWOUND);
        assertThat(part("[main tid=1];ai/djl/ndarray/NDArrayAdapter.getShape_[j]"))
                .isEqualTo(StepProfile.DJL);
        assertThat(part("[main tid=1];java/util/HashMap.get_[j]")).isEqualTo(StepProfile.JVM);
        assertThat(part("[tid=77];MXImperativeInvoke;mxnet::imperative::Invoke"))
                .isEqualTo(StepProfile.MXNET);
    }

    @Test
    void threadsOfTheJvmAndTheDataHaveTheirOwnParts() {
        assertThat(part("[C2 CompilerThread0 tid=9];PhaseChaitin::Split")).isEqualTo(StepProfile.JVM);
        assertThat(part("[GC Thread#0 tid=8];G1ParScanThreadState::trim_queue")).isEqualTo(StepProfile.JVM);
        assertThat(part("[replica-batches-res tid=30];dev/replica/datasets/ImageRecords.copyTo_[j]"))
                .isEqualTo(StepProfile.DATA);
    }

    @Test
    void samplesAreCountedByPartAndShared() {
        StepProfile p = StepProfile.of(
                "pytorch",
                "res",
                "cpu",
                10,
                2.0,
                TRAIN + "dnnl::impl::cpu::x64::jit_avx2_convolution_fwd_t::execute_forward;[unknown] 30\n"
                        + TRAIN + "dnnl::impl::cpu::x64::jit_blk_reorder_t::execute;[unknown] 10\n"
                        + TRAIN + "clear_page_erms_[k] 10\n"
                        + "not a stack line\n");
        assertThat(p.total()).isEqualTo(50);
        assertThat(p.share(StepProfile.CONVOLUTION)).isEqualTo(0.6);
        assertThat(p.share(StepProfile.REORDER)).isEqualTo(0.2);
        assertThat(p.share(StepProfile.KERNEL)).isEqualTo(0.2);
        assertThat(p.samples().keySet()).containsExactlyElementsOf(StepProfile.PARTS);
    }
}
