/*
 * dialogue.c - the single-instance restore dialogue (spec/dialogues.md
 * section 2, ^JRNRESTO), on the prompts of menus/jrnresto.yaml (resto.h).
 */
#include <stdlib.h>
#include <string.h>

#include "resto.h"
#include "ui/menu.h"

static const struct menu_action no_actions[] = { { NULL, NULL } };
static const struct menu_binds binds = { no_actions, NULL, NULL };

int
resto_dialogue(struct ui *ui, const char *inst, struct jk_err *err)
{
	struct menu_file *mf = NULL;
	struct ui_answer a;
	int rc;

	(void)inst;
	if ((rc = menu_open("jrnresto", &binds, &mf, err)) != 0)
		return rc;
	ui_answer_init(&a);
	ui_puts(ui, "This utility uses the contents of journal files");
	ui_puts(ui, "to bring globals up to date from a backup.");
	ui_puts(ui, "");
	rc = ui_ask(ui, menu_prompt(mf, "restore_journal"), NULL, &a);
	ui_answer_release(&a);
	menu_file_free(mf);
	return rc;
}
