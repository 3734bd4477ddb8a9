// SPDX-License-Identifier: MIT
/*
 * Reproducer of bugs/packet-set-ring.patch (55655e3d1197): a TPACKET_V3
 * transmit ring with a block retire timeout, which packet_set_ring()
 * refuses with EINVAL after it allocated the ring (the pgv array and one
 * page per block).  Needs CAP_NET_RAW.
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	struct tpacket_req3 req;
	int fd, version = TPACKET_V3, rc;

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		fprintf(stderr, "packet-set-ring: socket(AF_PACKET): %s\n", strerror(errno));
		return 2;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) != 0) {
		fprintf(stderr, "packet-set-ring: PACKET_VERSION: %s\n", strerror(errno));
		return 2;
	}
	memset(&req, 0, sizeof(req));
	req.tp_block_size = 4096;
	req.tp_block_nr = 1;
	req.tp_frame_size = 2048;
	req.tp_frame_nr = 2;
	req.tp_retire_blk_tov = 1; /* not supported on a tx ring: EINVAL */
	rc = setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req));
	if (rc == 0 || errno != EINVAL) {
		fprintf(stderr, "packet-set-ring: PACKET_TX_RING: expected EINVAL, got %s\n",
			rc == 0 ? "success" : strerror(errno));
		return 2;
	}
	close(fd);
	return 0;
}
