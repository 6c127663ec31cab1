/* A sample of the test library at work; delete once real tests exist. */
#include "utest.h"
#include <fcntl.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <unistd.h>

TEST(getpid_is_positive)
{
	CHECK(getpid() > 0);
}

TEST(close_bad_fd_is_ebadf)
{
	CHECK_ERR(close(-1), EBADF);
}

TEST_CHILD(exit_with)
{
	return argc > 0 ? atoi(argv[0]) : 99;
}

TEST(exec_self_child)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		execl(utest_argv0, utest_argv0, "--child", "exit_with", "7", (char *)NULL);
		_exit(100);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 7);
}
