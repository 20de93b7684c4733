/* SPDX-License-Identifier: BSD-3-Clause */
/* The configuration model: in progress (see control/cfg.h). */
